# fokus: one process per container = one replica (API + dashboard + sweeps).
# Configured only through FOKUS_* variables (see docs/configuration.md and docs/operations.md).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY workflows ./workflows
COPY templates ./templates
RUN python -m venv /opt/fokus && /opt/fokus/bin/pip install --quiet .

FROM python:3.11-slim
ENV PATH=/opt/fokus/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FOKUS_DATABASE_URL=sqlite:////data/fokus.db \
    FOKUS_VAR_DIR=/data \
    FOKUS_LOG_FORMAT=json
COPY --from=build /opt/fokus /opt/fokus
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin fokus \
    && mkdir -p /data && chown fokus:fokus /data
USER fokus
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["fokus"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
