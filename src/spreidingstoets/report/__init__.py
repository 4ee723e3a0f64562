"""What people read: the verdict and manifests on the terminal (HTML/PDF reports later)."""
