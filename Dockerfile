# aftermath image: build with the system GDAL of Debian 12, run on a slim Debian 12 with only
# GDAL's runtime library. Usage:
#   docker build -t aftermath .
#   docker run --rm -v "$PWD/out:/out" aftermath run /opt/aftermath/pipelines/olinda-water.toml --output /out

FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgdal-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked --bin aftermath

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgdal32 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --create-home --home-dir /home/aftermath aftermath
COPY --from=build /src/target/release/aftermath /usr/local/bin/aftermath
COPY pipelines /opt/aftermath/pipelines
COPY sample-data /opt/aftermath/sample-data
USER aftermath
WORKDIR /home/aftermath
ENTRYPOINT ["aftermath"]
CMD ["--help"]
