package coco

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"gocv.io/x/gocv"
)

// LoaderOptions configure a Loader.
type LoaderOptions struct {
	BatchSize int
	// Workers decode and augment in parallel; 0 means GOMAXPROCS.
	Workers int
	// Buffers is the number of batch buffers in the pool (how far workers
	// may run ahead of the consumer); 0 means 2·Workers.
	Buffers int
	Seed    uint64
	// Shuffle reorders the samples every epoch (from Seed and the epoch).
	Shuffle bool
	// DropLast drops the last, incomplete batch of each epoch.
	DropLast bool
	// Epochs is the number of passes before Next returns io.EOF; 0 means
	// no end.
	Epochs int
	// Augment enables training augmentation; nil crops the boxes as given
	// (evaluation).
	Augment  *Augmentation
	Geometry Geometry
	// Keypoints gives K, the flip pairs and the half-body split.
	Keypoints KeypointInfo
}

// SampleMeta describes one sample of a batch.
type SampleMeta struct {
	Index     int // index into the loader's samples
	ImageID   int64
	AnnID     int64
	ImagePath string
	Box       [4]float64
	Center    [2]float64 // crop centre after augmentation (flipped when Flip)
	Scale     [2]float64 // crop scale after augmentation
	Rot       float64
	Flip      bool
	Score     float64
	Area      float64
	// Joints are the sample's joints in input-crop pixels (x, y, v); the
	// slice is the batch's and is reused.
	Joints [][3]float32
}

// Batch is one batch of crops, targets and metadata. Only the first N
// entries are valid: samples that failed to load are skipped (counted in
// Skipped), so N may be below the batch size. The slices belong to the
// Loader and are recycled by Release.
type Batch struct {
	N       int
	Epoch   int       // 0-based
	Step    int       // batch index within the epoch
	Images  []float32 // N·3·InputH·InputW, normalised CHW RGB
	Targets []float32 // N·K·HeatmapH·HeatmapW
	Weights []float32 // N·K
	Meta    []SampleMeta
	Skipped int

	seq                      int // global batch number, for ordering
	images, targets, weights []float32
	joints                   [][3]float32
}

// Loader produces batches of crops and targets with a pool of goroutine
// workers that run ahead of the consumer. Its output, order and content,
// depends only on the samples and options, not on the number of workers:
// each epoch's order comes from (Seed, epoch) and each sample's
// augmentation from (Seed, epoch, index).
//
// Next returns batches in order; Release hands a batch's buffers back for
// reuse (a consumer that never releases stalls the workers once the pool is
// empty). Close stops the workers; it must be called.
type Loader struct {
	samples []Sample
	opt     LoaderOptions
	k       int

	startOnce sync.Once
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	free      chan *Batch
	done      chan *Batch

	pending map[int]*Batch
	nextSeq int

	skipped  atomic.Int64
	errMu    sync.Mutex
	firstErr error
}

// NewLoader returns a Loader over samples. It starts no goroutines until
// the first Next.
func NewLoader(samples []Sample, opt LoaderOptions) (*Loader, error) {
	if err := opt.Geometry.Validate(); err != nil {
		return nil, err
	}
	if opt.BatchSize <= 0 {
		return nil, fmt.Errorf("coco: loader: batch size %d", opt.BatchSize)
	}
	if opt.Keypoints.K() == 0 {
		return nil, errors.New("coco: loader: no keypoints (set LoaderOptions.Keypoints)")
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Buffers <= 0 {
		opt.Buffers = 2 * opt.Workers
	}
	for i, s := range samples {
		if s.Joints != nil && len(s.Joints) != opt.Keypoints.K() {
			return nil, fmt.Errorf("coco: loader: sample %d (annotation %d) has %d joints, want %d",
				i, s.AnnID, len(s.Joints), opt.Keypoints.K())
		}
	}
	return &Loader{samples: samples, opt: opt, k: opt.Keypoints.K(), pending: map[int]*Batch{}}, nil
}

// BatchesPerEpoch returns the number of batches in one epoch.
func (l *Loader) BatchesPerEpoch() int {
	return BatchesPerEpoch(len(l.samples), l.opt.BatchSize, l.opt.DropLast)
}

// BatchesPerEpoch is the number of batches of size batch that n samples
// make, the last partial one dropped with dropLast.
func BatchesPerEpoch(n, batch int, dropLast bool) int {
	if dropLast {
		return n / batch
	}
	return (n + batch - 1) / batch
}

// Skipped returns how many samples failed to load so far and the first
// such error.
func (l *Loader) Skipped() (int64, error) {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.skipped.Load(), l.firstErr
}

// Next returns the next batch, io.EOF after the last epoch, or ctx's error
// if ctx ends first.
func (l *Loader) Next(ctx context.Context) (*Batch, error) {
	l.startOnce.Do(l.start)
	for {
		if b, ok := l.pending[l.nextSeq]; ok {
			delete(l.pending, l.nextSeq)
			l.nextSeq++
			return b, nil
		}
		select {
		case b, ok := <-l.done:
			if !ok {
				return nil, io.EOF
			}
			l.pending[b.seq] = b
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Release returns b's buffers to the pool.
func (l *Loader) Release(b *Batch) {
	if b != nil {
		l.free <- b
	}
}

// Close stops the workers and waits for them.
func (l *Loader) Close() error {
	l.startOnce.Do(func() {}) // a never-started loader has nothing to stop
	if l.cancel != nil {
		l.cancel()
		l.wg.Wait()
	}
	return nil
}

type loadJob struct {
	batch   *Batch
	indices []int // into samples
}

func (l *Loader) start() {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	g := l.opt.Geometry
	l.free = make(chan *Batch, l.opt.Buffers)
	for range l.opt.Buffers {
		l.free <- l.newBatch()
	}
	l.done = make(chan *Batch, l.opt.Buffers)
	jobs := make(chan loadJob)

	l.wg.Add(1)
	go func() { // dispatcher: takes buffers in batch order, so the batch the consumer waits for always has one
		defer l.wg.Done()
		defer close(jobs)
		seq := 0
		for epoch := 0; l.opt.Epochs == 0 || epoch < l.opt.Epochs; epoch++ {
			order := l.epochOrder(epoch)
			for step := range l.BatchesPerEpoch() {
				var b *Batch
				select {
				case b = <-l.free:
				case <-ctx.Done():
					return
				}
				b.Epoch, b.Step, b.seq = epoch, step, seq
				seq++
				hi := min((step+1)*l.opt.BatchSize, len(order))
				select {
				case jobs <- loadJob{batch: b, indices: order[step*l.opt.BatchSize : hi]}:
				case <-ctx.Done():
					return
				}
			}
			if l.BatchesPerEpoch() == 0 {
				break // nothing to load; do not spin over empty epochs
			}
		}
	}()

	var workers sync.WaitGroup
	for range l.opt.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			w := newLoadWorker(g)
			defer w.close()
			for job := range jobs {
				l.fill(ctx, w, job)
				select {
				case l.done <- job.batch:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		workers.Wait()
		close(l.done)
	}()
}

// epochOrder returns the sample order of one epoch.
func (l *Loader) epochOrder(epoch int) []int {
	order := make([]int, len(l.samples))
	for i := range order {
		order[i] = i
	}
	if l.opt.Shuffle {
		rng := rand.New(rand.NewPCG(l.opt.Seed, mix64(^uint64(epoch))))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	return order
}

func (l *Loader) newBatch() *Batch {
	g, k, n := l.opt.Geometry, l.k, l.opt.BatchSize
	b := &Batch{
		images:  make([]float32, n*3*g.InputH*g.InputW),
		targets: make([]float32, n*k*g.HeatmapH*g.HeatmapW),
		weights: make([]float32, n*k),
		joints:  make([][3]float32, n*k),
		Meta:    make([]SampleMeta, n),
	}
	return b
}

// fill loads job's samples into its batch, compacting past the ones that
// fail so the valid ones are the first N.
func (l *Loader) fill(ctx context.Context, w *loadWorker, job loadJob) {
	g, k := l.opt.Geometry, l.k
	b := job.batch
	imgSize, tgtSize := 3*g.InputH*g.InputW, k*g.HeatmapH*g.HeatmapW
	b.N, b.Skipped = 0, 0
	for _, idx := range job.indices {
		if ctx.Err() != nil {
			return
		}
		n := b.N
		meta := &b.Meta[n]
		*meta = SampleMeta{Joints: b.joints[n*k : (n+1)*k]}
		err := l.loadSample(w, idx, b.Epoch, meta,
			b.images[n*imgSize:(n+1)*imgSize], b.targets[n*tgtSize:(n+1)*tgtSize], b.weights[n*k:(n+1)*k])
		if err != nil {
			b.Skipped++
			l.skipped.Add(1)
			l.errMu.Lock()
			if l.firstErr == nil {
				l.firstErr = err
			}
			l.errMu.Unlock()
			continue
		}
		b.N++
	}
	b.Images = b.images[:b.N*imgSize]
	b.Targets = b.targets[:b.N*tgtSize]
	b.Weights = b.weights[:b.N*k]
}

// loadWorker is one worker's reusable state.
type loadWorker struct {
	crop *Cropper
	file []byte
}

func newLoadWorker(g Geometry) *loadWorker {
	return &loadWorker{crop: NewCropper(g.InputW, g.InputH)}
}

func (w *loadWorker) close() { w.crop.Close() }

// loadSample decodes, augments and crops sample idx and builds its targets.
func (l *Loader) loadSample(w *loadWorker, idx, epoch int, meta *SampleMeta, img, target, weight []float32) error {
	s := l.samples[idx]
	var err error
	w.file, err = readFile(s.ImagePath, w.file)
	if err != nil {
		return fmt.Errorf("coco: sample %d (annotation %d): %w", idx, s.AnnID, err)
	}
	mat, err := gocv.IMDecode(w.file, gocv.IMReadColor)
	if err != nil || mat.Empty() {
		if err == nil {
			mat.Close()
		}
		return fmt.Errorf("coco: sample %d (annotation %d): decode %s: not a readable image", idx, s.AnnID, s.ImagePath)
	}
	defer mat.Close()

	g := l.opt.Geometry
	view := View{Center: s.Center, Scale: s.Scale, Width: mat.Cols()}
	copy(meta.Joints, s.Joints)
	if s.Joints == nil {
		clear(meta.Joints)
	}
	var rng *rand.Rand
	if l.opt.Augment != nil {
		rng = SampleRand(l.opt.Seed, epoch, idx)
		view = Augment(rng, s, mat.Cols(), l.opt.Keypoints, *l.opt.Augment,
			float64(g.InputW)/float64(g.InputH), meta.Joints)
	}
	t, ok := cropTransform(view.Center, view.Scale, view.Rot, g.InputW, g.InputH)
	if !ok {
		return fmt.Errorf("coco: sample %d (annotation %d): no crop of the box at centre %v, scale %v, rotation %v°",
			idx, s.AnnID, view.Center, view.Scale, view.Rot)
	}
	w.crop.Warp(img, mat, view.Transform(g.InputW, g.InputH))
	if rng != nil {
		if o, ok := drawOccluder(rng, *l.opt.Augment, g.InputW, g.InputH); ok {
			o.paint(img, g.InputW, g.InputH)
		}
	}
	for j := range meta.Joints { // joints are already flipped: map with t, as SimpleBaseline does
		if meta.Joints[j][2] > 0 {
			x, y := TransformPoint(t, float64(meta.Joints[j][0]), float64(meta.Joints[j][1]))
			meta.Joints[j][0], meta.Joints[j][1] = float32(x), float32(y)
		}
	}
	GenerateTarget(target, weight, meta.Joints, g)
	meta.Index, meta.ImageID, meta.AnnID, meta.ImagePath = idx, s.ImageID, s.AnnID, s.ImagePath
	meta.Box, meta.Center, meta.Scale, meta.Rot, meta.Flip = s.Box, view.Center, view.Scale, view.Rot, view.Flip
	meta.Score, meta.Area = s.Score, s.Area
	return nil
}

// readFile reads path into buf, growing it when needed.
func readFile(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return buf, err
	}
	n := int(st.Size())
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(f, buf); err != nil {
		return buf, fmt.Errorf("read %s: %w", path, err)
	}
	return buf, nil
}
