#!/bin/sh
# Regenerates the Go code for the model plugin protocol. The generated files
# are committed, so building mdtwin never needs protoc. Requirements:
#   apt-get install -y protobuf-compiler            # protoc (libprotoc 3.21.12)
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12   # = google.golang.org/protobuf in go.mod
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
# Run from anywhere: sh models/pluginsdk/proto/gen.sh (or go generate ./models/pluginsdk).
set -eu
cd "$(dirname "$0")"
PATH="$(go env GOPATH)/bin:$PATH"
protoc --proto_path=. \
	--go_out=. --go_opt=paths=source_relative \
	--go-grpc_out=. --go-grpc_opt=paths=source_relative \
	model/v1/model.proto
