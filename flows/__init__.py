"""The flow language: model, YAML loader, validator, pure engine, expressions."""
