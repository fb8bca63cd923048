"""Result layers: tiles and coverage downloads of finished batch jobs."""
