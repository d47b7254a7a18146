"""The embedded lab: real servers on loopback that stand in for a vSphere estate."""
