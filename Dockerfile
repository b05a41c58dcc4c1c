# newscrawl: scheduled incremental crawls, as a non-root container with Chromium.
#
#   docker build -t newscrawl .                      # or: podman build --format docker -t newscrawl .
#   docker run -d -v newscrawl-data:/data -e NEWSCRAWL_SCHEDULE="*/15 * * * *" newscrawl
#
# BASE is any Debian bookworm image with python3 and its venv module (python:3.11-slim-bookworm
# by default; scripts/container-smoke.sh builds one with debootstrap). Nothing secret is baked
# in: a private package index's CA bundle or pip configuration goes in as a build secret
# (--secret id=ca_certs,src=FILE / id=pip_conf,src=FILE), seen by pip only while it installs.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS build
RUN python3 -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN --mount=type=secret,id=ca_certs --mount=type=secret,id=pip_conf \
    if [ -s /run/secrets/ca_certs ]; then export PIP_CERT=/run/secrets/ca_certs; fi; \
    if [ -s /run/secrets/pip_conf ]; then export PIP_CONFIG_FILE=/run/secrets/pip_conf; fi; \
    /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt

FROM ${BASE}
# Chromium renders JavaScript pages (NEWSCRAWL_RENDER); git publishes the archive
# (NEWSCRAWL_ARCHIVE_GIT); tini as PID 1 forwards signals and reaps the browser's processes.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium git tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 --user-group newscrawl \
    && mkdir /data && chown newscrawl:newscrawl /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY scrapy.cfg ./
COPY newscrawl ./newscrawl
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NEWSCRAWL_DATA_DIR=/data \
    NEWSCRAWL_CHROMIUM_PATH=/usr/bin/chromium
USER newscrawl
VOLUME /data
HEALTHCHECK --interval=5m --timeout=30s --start-period=5m --retries=1 \
    CMD ["python", "-m", "newscrawl.schedule", "health"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "newscrawl.schedule"]
