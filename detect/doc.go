// Package detect implements the person detectors that feed dypose's
// top-down pose model: OpenCV's HOG people detector, YOLO-style ONNX
// detectors run by OpenCV's DNN module, precomputed COCO detection files,
// and a whole-frame fallback. Every detector speaks in plain Boxes (COCO
// xywh pixels and a score) so that it knows nothing of the pose model.
//
// # Frames and boxes
//
// Frames are gocv Mats in OpenCV's BGR order (8UC3; gray 8UC1 and BGRA
// 8UC4 are converted). Detect returns boxes in pixels of the frame it was
// given, clipped to it, best score first, after non-maximum suppression.
// The returned slice belongs to the detector and is overwritten by the next
// Detect; a detector is not safe for concurrent use.
//
// # HOG
//
// NewHOG runs cv::HOGDescriptor::detectMultiScale in a small C++ helper
// (hog.cpp) rather than through gocv, for two reasons: gocv's
// HOGDefaultPeopleDetector hands back coefficients from freed memory (gocv
// issues 300, 644, 1062), and gocv's DetectMultiScale drops the per-box SVM
// weights that become Box.Score. DefaultPeopleSVM returns a Go-owned copy
// of OpenCV's coefficients. The 64×128 window finds people at least ~100 px
// tall at the detection width (HOGOptions.Width), so raise Width for small
// people and lower it for speed. Dalal & Triggs, "Histograms of Oriented
// Gradients for Human Detection", CVPR 2005.
//
// # ONNX (YOLOv5 / YOLOv8 exports)
//
// NewONNX loads a user's detector. Supported convention, exactly:
//
//   - one input, (1, 3, H, W) float32, RGB in [0, 1] (pixel/255), no mean or
//     std; the frame is resized with its aspect kept to fit W×H (bilinear)
//     and centred, the bars filled with 114/255 ("letterbox", as YOLOv5 and
//     YOLOv8 export and validate);
//   - one output (ONNXOptions.OutputName, default the last layer) holding
//     boxes as centre x, centre y, width, height in input pixels, in one of
//     two layouts: YOLOv5, (1, N, 5+C) rows of box, objectness and C class
//     scores, person score = objectness × score of ONNXOptions.PersonClass;
//     YOLOv8, (1, 4+C, N) columns of box and C class scores, person score
//     = class score. Scores must already be probabilities (both exports
//     apply the sigmoid inside the graph). LayoutAuto takes the layout
//     from the shape: fewer rows than columns means YOLOv8;
//   - no NMS inside the graph (end-to-end exports with an NMS output of
//     (1, N, 6) or (1, N, 7) are not supported): boxes scoring at least
//     ScoreThreshold are mapped back through the letterbox, clipped to the
//     frame and suppressed greedily at NMSThreshold IoU.
//
// OpenCV aborts the process on a missing, corrupt or unrunnable model, so
// NewONNX first checks the file's protobuf framing in Go, then loads and
// runs the model once in C++ under try/catch (onnxprobe.cpp) and checks the
// output shape, and only then hands the file to gocv.ReadNetFromONNX.
//
// # Detection files
//
// LoadBoxes reads COCO results JSON ([{image_id, category_id, bbox,
// score}], optionally file_name), such as the person detections that the
// COCO keypoint protocol evaluates with.
//
// # Errors
//
// Files, models and frames from outside return errors with context;
// internal shape mismatches panic. Each detector owns its Mats and frees
// them in Close; tests run with -tags matprofile fail on leaked Mats.
//
// # Example
//
//	d, err := detect.NewHOG(detect.DefaultHOGOptions())
//	if err != nil { return err }
//	defer d.Close()
//	boxes, err := d.Detect(frame) // []detect.Box, best first
package detect
