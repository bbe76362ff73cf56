package train

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Plot file names in the run directory.
const (
	LossPlot = "loss.png"
	APPlot   = "ap.png"
)

// plotW and plotH are the size of each PNG.
const plotW, plotH = 6 * vg.Inch, 4 * vg.Inch

// writePlots writes the training-loss curve and the validation-AP curve
// (AP, AP50, AP75 per validated epoch) to dir, atomically.
func writePlots(dir string, ms []EpochMetrics) error {
	apCurves := []string{"AP", "AP50", "AP75"}
	var loss plotter.XYs
	val := map[string]plotter.XYs{}
	for _, m := range ms {
		loss = append(loss, plotter.XY{X: float64(m.Epoch), Y: m.Loss})
		if m.AP != nil {
			for _, k := range apCurves {
				val[k] = append(val[k], plotter.XY{X: float64(m.Epoch), Y: m.Val[k]})
			}
		}
	}
	if err := savePlot(filepath.Join(dir, LossPlot), "training loss", "loss (JointsMSE)",
		[]string{"loss"}, []plotter.XYs{loss}); err != nil {
		return err
	}
	series := make([]plotter.XYs, len(apCurves))
	for i, k := range apCurves {
		series[i] = val[k]
	}
	return savePlot(filepath.Join(dir, APPlot), "validation (GT boxes)", "AP", apCurves, series)
}

// savePlot draws one line plot per series against the epoch and writes
// it as PNG.
func savePlot(path, title, ylabel string, names []string, series []plotter.XYs) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	for i, xy := range series {
		if len(xy) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return fmt.Errorf("train: plot %s: %w", path, err)
		}
		l.Color = plotutil.Color(i)
		pts.Color = l.Color
		p.Add(l, pts)
		p.Legend.Add(names[i], l, pts)
	}
	p.Legend.Top, p.Legend.Left = true, true
	w, err := p.WriterTo(plotW, plotH, "png")
	if err != nil {
		return fmt.Errorf("train: plot %s: %w", path, err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return fmt.Errorf("train: plot %s: %w", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// PlotRun redraws the plots of the run in dir from its metrics.jsonl.
func PlotRun(dir string) error {
	ms, err := readMetrics(filepath.Join(dir, MetricsFile), math.MaxInt)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("train: plot %s: no metrics", dir)
	}
	return writePlots(dir, ms)
}
