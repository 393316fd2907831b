# syntax=docker/dockerfile:1
# K8s AIOps Copilot. Build with `make build` (BuildKit sets TARGETARCH; VERSION labels the image):
#   docker build --build-arg VERSION=$(cat VERSION) -t REGISTRY/k8s-aiops-copilot:$(cat VERSION) .
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 ... --push

# --- kubectl for the target architecture, refused unless its checksum is the pinned one ------------
FROM python:3.11.15-slim-bookworm AS kubectl
ARG TARGETARCH
# To bump: set the version and both checksums, from
#   https://dl.k8s.io/release/<version>/bin/linux/<arch>/kubectl.sha256
ARG KUBECTL_VERSION=v1.36.3
ARG KUBECTL_SHA256_AMD64=ebbd080e7c2e275093b55915722043257eb24004363e20acb3c4d71919f88336
ARG KUBECTL_SHA256_ARM64=3d86f24401c41ae5a46ac50eef8865fe891d3647d324a0836f6c63757a126e62
COPY deploy/docker/fetch_kubectl.py /usr/local/bin/fetch_kubectl.py
RUN case "${TARGETARCH}" in \
      amd64) sum="${KUBECTL_SHA256_AMD64}" ;; \
      arm64) sum="${KUBECTL_SHA256_ARM64}" ;; \
      *) echo "no pinned kubectl checksum for TARGETARCH='${TARGETARCH}' (build with BuildKit)" >&2; exit 1 ;; \
    esac \
 && python /usr/local/bin/fetch_kubectl.py --version "${KUBECTL_VERSION}" --arch "${TARGETARCH}" \
      --sha256 "${sum}" --out /out/kubectl

# --- the service and its runtime dependencies, in a virtualenv ---------------------------------------
FROM python:3.11.15-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
# Runtime dependencies only (requirements-dev.txt stays out), in their own layer for the cache.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY pyproject.toml VERSION README.md ./
COPY app ./app
RUN pip install --no-cache-dir --no-deps .

# --- runtime --------------------------------------------------------------------------------------
FROM python:3.11.15-slim-bookworm
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="k8s-aiops-copilot" \
      org.opencontainers.image.description="Ask about your Kubernetes cluster; get a streamed, evidence-backed investigation." \
      org.opencontainers.image.version="${VERSION}"
# HOME and caches on /tmp: the root filesystem is read-only in the manifests (/tmp is an emptyDir).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    LOG_FORMAT=json
RUN groupadd --system --gid 10001 copilot \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin copilot
COPY --from=kubectl /out/kubectl /usr/local/bin/kubectl
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Defaults for `docker run`; in Kubernetes the ConfigMaps are mounted over config/ and runbooks/.
COPY config ./config
COPY runbooks ./runbooks
RUN mkdir -p /app/data && chown 10001:10001 /app/data
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=8)"]
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
