"""The PII token head: data (presidio templates, Faker rows in 18 languages, PII-free questions),
token states of the shared encoder, torch training, export and evaluation.

    python -m training.pii build [--encoder DIR]   # rebuild the shipped head (minutes)
    python -m training.pii eval [--spacy]          # P/R/F1 per type and latency of every path

See docs/pii.md. Needs the ``train-pii`` extra (torch, faker) and ../shared/datasets.
"""
