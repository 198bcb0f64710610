# The sandbox as an image: the wheel and its runtime dependencies, nothing else.
#   docker build -t mockserver .
#   docker run --rm -p 8000:8000 mockserver
# Listens on 0.0.0.0 inside the container; pass MOCKSERVER_API_KEY to require a key.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockserver ./mockserver
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 sandbox
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER sandbox
ENV MOCKSERVER_HOST=0.0.0.0 MOCKSERVER_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=2s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
ENTRYPOINT ["mockserver", "serve"]
