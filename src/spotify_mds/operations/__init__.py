"""Operations: what runs the pipelines' infrastructure rather than their data (health checks of every
component, a local Kafka broker for development and tests). May import the core and the pipelines."""
