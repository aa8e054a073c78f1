"""Explanations of governed records: why a guardrail decided, why this model, the model's reasoning, in words for
each audience.

- `guardrail`  each finding explained by the scanner that made it: exact n-gram shares of the linear models
               (`ngrams`), the rule and span of a pattern, Presidio's decision process for personal data;
- `routing`    the route a request was drawn from, the arm that served it, the errors it fell back after;
- `reasoning`  the model's chain of thought split from the answer, stored apart, read by operators and auditors;
- `words`      templates per audience whose every sentence names the attribution supporting it, and the check
               that refuses a text naming anything the attribution does not hold;
- `service`    `explain(store, who, record_id, audience)`: what the CLI, the management API and the console call.

Explanations are stored by (record, kind) in the `explanations` table (`steward.store.explanations`), whose kinds
also hold source (`sources`) and token (`tokens`) attributions when those are computed.
"""
