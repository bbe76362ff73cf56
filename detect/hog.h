// hog.h is the C face of hog.cpp: OpenCV's HOG people detector, run
// entirely in C++ so that its per-window SVM weights (the scores) survive;
// gocv's DetectMultiScale drops them. Every function catches C++ exceptions
// and reports them through *err (malloc'd, the caller frees), so a bad
// argument becomes a Go error instead of aborting the process.
#ifndef DYPOSE_DETECT_HOG_H
#define DYPOSE_DETECT_HOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef void* DyposeHOG;

// DyposeHit is one detection in pixels of the image passed to detect.
typedef struct {
	int x, y, w, h;
	double weight;  // SVM margin of the strongest window in the group
} DyposeHit;

// dypose_hog_people_len returns the length of OpenCV's default people SVM.
int dypose_hog_people_len(void);
// dypose_hog_people_copy copies min(n, len) default coefficients into dst.
void dypose_hog_people_copy(float* dst, int n);

// dypose_hog_new builds a 64x128 HOG descriptor with the given SVM
// coefficients (copied). It returns NULL and sets *err on failure.
DyposeHOG dypose_hog_new(const float* svm, int n, char** err);
void dypose_hog_free(DyposeHOG h);

// dypose_hog_detect runs detectMultiScale on mat (a cv::Mat*, 8UC1 or 8UC3)
// and keeps the hits inside h; it returns how many, or -1 with *err set.
int dypose_hog_detect(DyposeHOG h, void* mat, double hit_threshold,
	int stride_x, int stride_y, int pad_x, int pad_y, double scale,
	double group_threshold, char** err);
// dypose_hog_hits copies min(n, count) hits of the last detect into dst.
void dypose_hog_hits(DyposeHOG h, DyposeHit* dst, int n);

#ifdef __cplusplus
}
#endif

#endif
