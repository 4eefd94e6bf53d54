"""Optional LLM assistance through LangChain: grounded answers, intent routing, form prefill, digest narrative.

Everything here is optional and validated: with no model configured, or when a model's output fails its
check, the caller gets `None` (or the extractive answer) and the rule-based path answers instead.
"""
