# robot: the voicebot process (`robot serve` by default). CPU by default; build with WITH_CUDA=1 for the GPU
# service of docker-compose.yml (adds the cuBLAS/cuDNN 12 wheels CTranslate2 needs; the host needs the NVIDIA driver
# and the NVIDIA Container Toolkit).
#   docker build -t robot .                          # CPU
#   docker build -t robot:gpu --build-arg WITH_CUDA=1 .
FROM python:3.11-slim

ARG WITH_CUDA=0
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/srv/robot/models/huggingface \
    LD_LIBRARY_PATH=/usr/local/lib/python3.11/site-packages/nvidia/cublas/lib:/usr/local/lib/python3.11/site-packages/nvidia/cudnn/lib

WORKDIR /usr/src/robot
COPY pyproject.toml README.md amd_keywords.yaml ./
COPY robot ./robot
RUN pip install . \
    && if [ "$WITH_CUDA" = "1" ]; then pip install "nvidia-cublas-cu12" "nvidia-cudnn-cu12==9.*"; fi

# Non-root user; its working directory holds the relative paths of the default settings
# (var/robot.sqlite, var/calls.jsonl, audio/, amd_keywords.yaml).
RUN useradd --system --uid 10001 --user-group --home-dir /srv/robot --create-home robot \
    && mkdir -p /srv/robot/var /srv/robot/models /srv/robot/audio /srv/robot/scenarios \
    && chown -R robot:robot /srv/robot
COPY --chown=robot:robot amd_keywords.yaml /srv/robot/amd_keywords.yaml

USER robot
WORKDIR /srv/robot
# 8084: outbound event socket (dialplan hand-off), 8765: mod_audio_stream WebSocket, 9108: Prometheus metrics.
EXPOSE 8084 8765 9108
ENTRYPOINT ["robot"]
CMD ["serve"]
