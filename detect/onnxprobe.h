// onnxprobe.h is the C face of onnxprobe.cpp. Errors come back through *err
// (malloc'd, the caller frees).
#ifndef DYPOSE_DETECT_ONNXPROBE_H
#define DYPOSE_DETECT_ONNXPROBE_H

#ifdef __cplusplus
extern "C" {
#endif

// dypose_onnx_probe loads an ONNX model with OpenCV's DNN module, runs it
// once on a zero 1x3xHxW blob and writes the output shape (at most 8 dims)
// into dims. It returns the number of dims, or -1 with *err set, so that a
// model OpenCV cannot load or run is reported before gocv touches it (gocv
// aborts on the same exceptions).
int dypose_onnx_probe(const char* path, const char* output, int in_w, int in_h,
	int* dims, char** err);

#ifdef __cplusplus
}
#endif

#endif
