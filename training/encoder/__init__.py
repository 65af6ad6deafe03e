"""Fine-tuning the shared multilingual encoder and its multi-task head (issue 13).

    python -m training.encoder build           # corpus -> fine-tune -> calibrate -> int8 ONNX + head

See training/encoder/__main__.py for the stages and docs/model-card.md for the recipe.
"""
