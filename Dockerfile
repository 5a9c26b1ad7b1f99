# The otelcol-sophos image, from the binary that `make build` writes to ./dist (ocb builds it
# statically, with CGO disabled):
#   make build && docker build -t otelcol-sophos:0.1.0 .
FROM gcr.io/distroless/static-debian12:nonroot

COPY dist/otelcol-sophos /otelcol-sophos
COPY config/sentinel.yaml /etc/otelcol-sophos/config.yaml

# Cursors and the persistent sending queue live here: mount a persistent volume on it.
VOLUME /var/lib/otelcol-sophos
EXPOSE 13133

USER 65532:65532
ENTRYPOINT ["/otelcol-sophos"]
CMD ["--config", "/etc/otelcol-sophos/config.yaml"]
