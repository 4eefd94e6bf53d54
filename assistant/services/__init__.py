"""Plain-function services (no channel imports): org tree, people, permissions, invites, workflows."""
