#!/bin/sh
# One-shot (the minio-init service): create the lake's bucket if it is not there yet.
set -eu
mc alias set lake "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "lake/$MINIO_BUCKET"
mc ls "lake/$MINIO_BUCKET" >/dev/null
echo "bucket $MINIO_BUCKET ready"
