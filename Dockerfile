# The teaching toolkit's Streamlit lab, one container per classroom server.
#   docker build -t dl-toolkit .                          # CPU
#   docker build --build-arg GPU=1 -t dl-toolkit:gpu .    # adds tensorflow[and-cuda]
#   docker run -p 8501:8501 -e TOOLKIT_TRAINING_SLOTS=4 dl-toolkit
FROM python:3.11-slim

ARG GPU=0
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    TOOLKIT_CACHE_DIR=/home/app/.cache/toolkit \
    PYTHONPATH=/app

RUN useradd --create-home --uid 1000 app
WORKDIR /app

COPY requirements.txt pyproject.toml README.md ./
RUN pip install -r requirements.txt \
    && if [ "$GPU" = "1" ]; then pip install "tensorflow[and-cuda]==2.21.0"; fi

COPY toolkit ./toolkit
COPY demos ./demos
COPY .streamlit ./.streamlit
RUN pip install --no-deps -e . && chown -R app:app /app

USER app
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
ENTRYPOINT ["streamlit", "run", "demos/app.py", "--server.address=0.0.0.0", "--server.port=8501"]
