# ConvScope: a slim image that serves the app on port 8000 as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/convscope
COPY pyproject.toml README.md ./
COPY app ./app
COPY engine ./engine
COPY static ./static
COPY templates ./templates
RUN pip install . && useradd --create-home --uid 10001 convscope
USER convscope

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# The production command: CONVSCOPE_WORKERS processes (default 1; about one per core), proxy headers
# trusted from FORWARDED_ALLOW_IPS (default 127.0.0.1), connection limits; see app/production.py.
CMD ["python", "-m", "app.production", "--host", "0.0.0.0", "--port", "8000"]
