# syntax=docker/dockerfile:1
# One image for every CongVu app (plans, visits, citizen-feedback, reporting, gateway).
# There is no Dockerfile per service: docker-compose.yml builds this file once
# (`build: {context: ., dockerfile: Dockerfile}`) and each service picks its app with its
# `command`; the Kubernetes manifests do the same with `args`. Migrations run from the same
# image: `alembic -c services/<name>/alembic.ini upgrade head` with DATABASE_URL set.
#
#   docker build -t ghcr.io/congvu/congvu:dev .
#   docker run --rm -p 8000:8000 ghcr.io/congvu/congvu:dev plans --host 0.0.0.0 --port 8000
#
# The container writes nothing outside /tmp, so it runs with a read-only root filesystem.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY constraints.txt ./
COPY libs/ libs/
COPY services/ services/
COPY gateway/ gateway/
# Regular (not editable) installs; every third-party version comes from constraints.txt.
# The development tools (libs/devstack: keys, tokens, the demo, deploy checks) stay out.
RUN pip install --no-cache-dir -c constraints.txt \
        ./libs/contracts ./libs/eventbus ./libs/servicekit \
        ./services/plans ./services/visits ./services/citizen-feedback ./services/reporting \
        ./gateway

# Development tools on top of the apps, for local compose only (its `keys` job):
# `docker build --target devtools -t ghcr.io/congvu/congvu-devtools:dev .`
FROM build AS devtools
RUN pip install --no-cache-dir -c constraints.txt ./libs/devstack
WORKDIR /app
ENTRYPOINT ["python", "-m"]

# The production image (the default target): the apps and their migrations, nothing else.
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    TMPDIR=/tmp
RUN groupadd --system --gid 10001 congvu \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin congvu
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Alembic configuration and migration scripts of each service database.
COPY services/plans/alembic.ini services/plans/
COPY services/plans/migrations/ services/plans/migrations/
COPY services/visits/alembic.ini services/visits/
COPY services/visits/migrations/ services/visits/migrations/
COPY services/citizen-feedback/alembic.ini services/citizen-feedback/
COPY services/citizen-feedback/migrations/ services/citizen-feedback/migrations/
COPY services/reporting/alembic.ini services/reporting/
COPY services/reporting/migrations/ services/reporting/migrations/
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["python", "-m", "servicekit.serve"]
CMD ["gateway", "--host", "0.0.0.0", "--port", "8000"]
