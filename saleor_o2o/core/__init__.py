"""What every concept of the extension stands on: database safety, locks, errors."""
