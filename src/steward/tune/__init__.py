"""Fine-tuning small open models on governed data (issue 19). Part 1, the data: `steward tune data`.

- `examples`: one training example (chat messages ending in the answer) and its normalised texts;
- `sources`: where examples come from — an app's consenting records (an app, a time window, an alert's window)
  through `steward.governance.datasets`, or JSONL / CSV / Parquet files (`files`);
- `pii`: personal data pseudonymised by the shipped PII scanner, with entity counts for the data card;
- `dedup`: exact and near-duplicate removal (MinHash LSH from datasketch);
- `filters`: length, language, and the shipped toxicity and injection scanners;
- `split`: the train/validation split by a hash of each example's normalised prompt;
- `build`: the whole path, ending in a registered dataset version with its data card.
"""
