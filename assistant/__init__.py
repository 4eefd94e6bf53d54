"""社区治理助手 — a chat assistant for residential-compound governance under 组通〔2020〕15号."""
import os

# numpy's OpenBLAS threads spin after a matrix product and take the cores the e5 encoder needs next: with the
# question bank's product multithreaded, a question took 67 ms instead of 35 on 2 cores. The assistant's
# products are small, so one BLAS thread (set before numpy loads; an explicit setting wins).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
