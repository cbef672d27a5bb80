# 安居 (Anju): one static binary (embedded field app, pure-Go SQLite for the
# optional embedded database), on a distroless base running as non-root.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/anju ./server \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/anju /anju
COPY --from=build --chown=65532:65532 /out/data /data
ENV ANJU_ADDR=:8080 ANJU_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080 8443
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=5s --retries=5 CMD ["/anju", "healthcheck"]
ENTRYPOINT ["/anju"]
