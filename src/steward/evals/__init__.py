"""Evaluation that gates releases: metrics, suites, test-set generation, red-team scans and A/B comparison.

Metrics (`steward.evals.metric`) score batches of rows and come from the reference libraries where one exists
(sacrebleu, rouge-score, scikit-learn, jsonschema, llama.cpp logits); the RAG metrics work offline without an
LLM judge. Suites (`steward.evals.suite`) run a dataset's cases through the same governed pipeline that serves
users, store the run with the versions it ran against, write JSON and HTML reports, and fail on gates.

Evaluation has this one home: besides the metrics and suites, `steward.evals.retrieval` measures a RAG
collection on a question set (`steward rag eval`), `steward.evals.scanners` measures a guardrail scanner on a
labelled file (`steward guard eval`, with PII span matching in `steward.evals.pii_spans`), and every detection
figure (precision, recall, F1, false-alarm rate) comes from `steward.evals.figures`.
"""
