package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/eval"
)

// newEvalCmd builds `keypoints eval`. The flags live in the closure, not in
// package variables: urfave/cli flags hold parsed values, and tests run the
// app more than once.
func newEvalCmd() *cli.Command {
	gtFlag := &cli.StringFlag{
		Name:  "gt",
		Usage: "COCO keypoint annotations `FILE` (e.g. person_keypoints_val2017.json)",
	}
	resultsFlag := &cli.StringFlag{
		Name:  "results",
		Usage: "COCO keypoint results `FILE` (a JSON array of {image_id, category_id, keypoints, score})",
	}
	jsonFlag := &cli.BoolFlag{
		Name:  "json",
		Usage: `print only {"AP":…,"AP50":…,…,"ARl":…} on stdout, full float64 precision; notes go to stderr`,
	}
	perKeypointFlag := &cli.BoolFlag{
		Name: "per-keypoint",
		Usage: "also print, per keypoint, the mean keypoint similarity exp(-d²/(2·area·(2σ)²)) over the detection–GT " +
			"pairs matched at OKS 0.5 in area range all (true positives), and how many of those GTs label the " +
			"keypoint: the joints with low values are the ones that fail",
	}
	errorsFlag := &cli.BoolFlag{
		Name: "errors",
		Usage: "also print the error diagnosis: every GT paired with a detection at OKS >= 0.1, each labelled keypoint " +
			"classed good, jitter, inversion (left/right), swap (another person's joint) or miss (Ronchi & Perona, " +
			"ICCV 2017), per keypoint and for visible and hidden keypoints",
	}
	byPeopleFlag := &cli.IntFlag{
		Name: "by-people",
		Usage: "also print AP, AP50 and AP75 of the images grouped by how many people they hold (non-crowd annotations " +
			"with labelled keypoints): 1, 2, … up to `MAX`, the last group holding MAX or more",
	}
	thresholdsFlag := &cli.BoolFlag{
		Name: "thresholds",
		Usage: "also print AP and AR at each OKS threshold (0.50 to 0.95, area all): AP is their mean, and the strict " +
			"end shows how much is lost to imprecise keypoints rather than to missed people",
	}
	sigmasFlag := &cli.StringFlag{
		Name:  "sigmas",
		Usage: "comma-separated per-keypoint OKS `SIGMAS` (default: the GT categories' \"sigmas\", else COCO's 17)",
	}
	modelFlag := &cli.StringFlag{Name: "model", Usage: "run this checkpoint on --data first (model-driven mode)"}
	dataFlag := &cli.StringFlag{Name: "data", Usage: "COCO-layout `DIR` whose val split is evaluated with --model"}
	boxesFlag := &cli.StringFlag{Name: "boxes", Usage: "person boxes from a COCO detections `FILE` (default: ground-truth boxes)"}
	outFlag := &cli.StringFlag{Name: "out", Value: "results_val.json", Usage: "where --model mode writes its results"}
	flipFlag := &cli.BoolFlag{Name: "flip", Value: true, Usage: "flip test in --model mode (--flip=false turns it off)"}
	var decode string
	decoding := decodeFlag(&decode)
	decoding.Usage += ", in --model mode"
	var boxPadding float64
	paddingFlag := boxPaddingFlag(&boxPadding)
	return &cli.Command{
		Name:  "eval",
		Usage: "COCO keypoint evaluation (AP/AR exactly as pycocotools) of a results file",
		Description: "Evaluates --results against --gt with pycocotools' COCOeval(iouType=\"keypoints\") semantics and\n" +
			"prints its ten summary lines (or --json). When dypose wrote the results, the run settings it stored\n" +
			"next to them (RESULTS" + eval.RunInfoSuffix + ": box source, flip test, decoder, input size, model) are\n" +
			"printed too: box source and flip test change AP by several points.",
		Flags: []cli.Flag{gtFlag, resultsFlag, jsonFlag, thresholdsFlag, perKeypointFlag, errorsFlag, byPeopleFlag, sigmasFlag,
			modelFlag, dataFlag, boxesFlag, outFlag, flipFlag, decoding, paddingFlag},
		Action: func(c *cli.Context) error {
			opts := evalOptions{
				GT:          c.String(gtFlag.Name),
				Results:     c.String(resultsFlag.Name),
				JSON:        c.Bool(jsonFlag.Name),
				Thresholds:  c.Bool(thresholdsFlag.Name),
				PerKeypoint: c.Bool(perKeypointFlag.Name),
				Errors:      c.Bool(errorsFlag.Name),
				ByPeople:    c.Int(byPeopleFlag.Name),
			}
			if opts.ByPeople < 0 {
				return fmt.Errorf("eval: --%s %d, want a number of people >= 1", byPeopleFlag.Name, opts.ByPeople)
			}
			if s := c.String(sigmasFlag.Name); s != "" {
				sig, err := parseSigmas(s)
				if err != nil {
					return fmt.Errorf("eval: --%s: %w", sigmasFlag.Name, err)
				}
				opts.Sigmas = sig
			}
			if c.IsSet(modelFlag.Name) || c.IsSet(dataFlag.Name) {
				if c.String(dataFlag.Name) == "" {
					return fmt.Errorf("eval: --%s needs --%s", modelFlag.Name, dataFlag.Name)
				}
				mo := modelEvalOptions{
					modelOptions: modelOptions{Model: c.String(modelFlag.Name), Flip: c.Bool(flipFlag.Name), Decode: decode, BoxPadding: boxPadding},
					Data:         c.String(dataFlag.Name),
					Boxes:        c.String(boxesFlag.Name),
					Out:          c.String(outFlag.Name),
				}
				if mo.Model == "" {
					mo.Model = defaultModel
				}
				ctx, stop := stopContext(c.Context)
				defer stop()
				gt, err := runModelEval(ctx, c.App.ErrWriter, mo)
				if err != nil {
					return err
				}
				opts.GT, opts.Results = gt, mo.Out
			}
			if opts.GT == "" {
				return fmt.Errorf("eval: --%s is required", gtFlag.Name)
			}
			if opts.Results == "" {
				return fmt.Errorf("eval: --%s is required", resultsFlag.Name)
			}
			return evaluateFiles(c.App.Writer, c.App.ErrWriter, opts)
		},
	}
}

// gcPercentEval is the GOGC value evaluateFiles runs under.
const gcPercentEval = 400

// evalOptions are the eval command's settings.
type evalOptions struct {
	GT          string
	Results     string
	JSON        bool
	Thresholds  bool // AP and AR at each OKS threshold
	PerKeypoint bool
	Errors      bool
	ByPeople    int       // > 0: AP by people per image, groups 1 … ByPeople (eval.ByPeople)
	Sigmas      []float64 // nil: from the ground truth
}

// evaluateFiles loads the ground truth and results named in opts, runs
// eval.Evaluate and prints the summary to stdout, notes to stderr.
func evaluateFiles(stdout, stderr io.Writer, opts evalOptions) error {
	// The run allocates about twice the results file (bytes, then parsed
	// floats), all live until the end. Collecting at 5x the live heap
	// instead of 2x skips GC cycles that cannot free anything: on the
	// COCO-val-sized case it halves wall time on a busy 2-core machine.
	defer debug.SetGCPercent(debug.SetGCPercent(gcPercentEval))
	gt, err := eval.LoadGroundTruth(opts.GT)
	if err != nil {
		return err
	}
	res, err := eval.LoadResults(opts.Results, gt)
	if err != nil {
		return err
	}
	info, hasInfo, err := eval.ReadRunInfo(opts.Results)
	if err != nil {
		return err
	}
	p := eval.DefaultParams()
	p.Sigmas = opts.Sigmas
	if p.Sigmas == nil {
		if p.Sigmas, err = gt.Sigmas(); err != nil {
			return err
		}
	}
	s, err := eval.Evaluate(gt, res, p)
	if err != nil {
		return err
	}
	if len(res) == 0 {
		fmt.Fprintf(stderr, "warning: %s has no results: every AP/AR with ground truth is 0 (pycocotools' loadRes fails on an empty list)\n", opts.Results)
	}
	if s.SkippedResults > 0 {
		fmt.Fprintf(stderr, "warning: %d of %d results have a category_id not in the ground truth and are not evaluated\n", s.SkippedResults, s.NumResults)
	}
	note := stdout
	if opts.JSON {
		note = stderr
	}
	if hasInfo {
		fmt.Fprintf(note, "results from dypose: %s\n", info)
	} else {
		fmt.Fprintf(note, "results: %s (no %s sidecar: box source and flip test unknown)\n", opts.Results, eval.RunInfoSuffix)
	}
	if opts.JSON {
		if _, err := fmt.Fprintln(stdout, s.JSON()); err != nil {
			return fmt.Errorf("eval: write summary: %w", err)
		}
	} else if err := s.WriteText(stdout); err != nil {
		return fmt.Errorf("eval: write summary: %w", err)
	}
	if opts.Thresholds {
		if err := s.WriteThresholds(note); err != nil {
			return fmt.Errorf("eval: write the table by OKS threshold: %w", err)
		}
	}
	if opts.PerKeypoint {
		if err := s.WritePerKeypoint(note); err != nil {
			return fmt.Errorf("eval: write per-keypoint table: %w", err)
		}
	}
	if opts.Errors {
		if err := s.WriteErrors(note); err != nil {
			return fmt.Errorf("eval: write error diagnosis: %w", err)
		}
	}
	if opts.ByPeople > 0 {
		groups, err := eval.ByPeople(gt, res, p, opts.ByPeople)
		if err != nil {
			return err
		}
		if err := eval.WritePeopleGroups(note, groups); err != nil {
			return fmt.Errorf("eval: write the table by people per image: %w", err)
		}
	}
	return nil
}

// parseSigmas parses "0.026,0.025,…".
func parseSigmas(s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	sig := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("sigma %d: %w", i, err)
		}
		if !(v > 0) || v > 1e300 {
			return nil, errors.New("sigmas must be finite and > 0")
		}
		sig[i] = v
	}
	return sig, nil
}
