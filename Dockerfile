# The hub as a container image: `docker compose up` builds it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so editing the code does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p hub connectors && touch hub/__init__.py connectors/__init__.py \
    && pip install . && pip uninstall --yes cefta-risk-hub && rm -rf hub connectors build

COPY hub ./hub
COPY connectors ./connectors
COPY graph_migrations ./graph_migrations
COPY policies ./policies
COPY schema ./schema
# Editable: the migrations runner reads graph_migrations/ beside the hub package.
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin hub \
    && mkdir -p /data && chown hub /data

USER hub
ENV HUB_DATA_DIR=/data \
    HUB_POLICY_DIR=/app/policies \
    HUB_HOST=0.0.0.0 \
    HUB_PORT=8000
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=6 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health', timeout=2)"]

CMD ["hub", "serve", "--migrate", "--seed-if-empty", "small"]
