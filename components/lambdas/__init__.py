"""Code that runs in AWS Lambda, packaged by the components that deploy it (not imported by them)."""
