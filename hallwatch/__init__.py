"""HallWatch command line and process wiring (the packages core/, store/, … hold the work)."""
