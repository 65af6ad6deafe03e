"""The ONNX runtime: the shared sentence encoder and classifier heads."""
