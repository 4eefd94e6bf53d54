"""Policy knowledge: ingest → chunking → tokenize → index → retriever → answer."""
