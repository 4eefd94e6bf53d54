"""社区治理助手 — a chat assistant for residential-compound governance under 组通〔2020〕15号."""
__version__ = "0.1.0"
