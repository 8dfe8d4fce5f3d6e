"""The streaming pipeline: listening events from Kafka (or the simulator) to bronze and beyond."""
