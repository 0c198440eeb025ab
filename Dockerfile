FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data WEB_HOST=0.0.0.0 WEB_PORT=8080

RUN useradd --create-home --uid 10001 bot && mkdir -p /data && chown bot:bot /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY conversations ./conversations
COPY storage ./storage
COPY sandbox ./sandbox
COPY benchmarks ./benchmarks
RUN pip install .

USER bot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEB_PORT', '8080'), timeout=4)" || exit 1
CMD ["python", "-m", "bot"]
