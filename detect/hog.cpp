// hog.cpp: see hog.h.
#include "hog.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

namespace {

struct HOG {
	cv::HOGDescriptor desc;
	std::vector<cv::Rect> rects;
	std::vector<double> weights;
};

void set_err(char** err, const char* msg) {
	if (err != NULL) {
		*err = strdup(msg);
	}
}

}  // namespace

int dypose_hog_people_len(void) {
	return (int)cv::HOGDescriptor::getDefaultPeopleDetector().size();
}

void dypose_hog_people_copy(float* dst, int n) {
	std::vector<float> c = cv::HOGDescriptor::getDefaultPeopleDetector();
	if (n > (int)c.size()) {
		n = (int)c.size();
	}
	std::memcpy(dst, c.data(), sizeof(float) * (size_t)n);
}

DyposeHOG dypose_hog_new(const float* svm, int n, char** err) {
	HOG* h = NULL;
	try {
		h = new HOG();
		h->desc.setSVMDetector(std::vector<float>(svm, svm + n));
		return h;
	} catch (const std::exception& e) {
		delete h;
		set_err(err, e.what());
	} catch (...) {
		delete h;
		set_err(err, "unknown C++ exception");
	}
	return NULL;
}

void dypose_hog_free(DyposeHOG h) { delete static_cast<HOG*>(h); }

int dypose_hog_detect(DyposeHOG hp, void* mat, double hit_threshold,
	int stride_x, int stride_y, int pad_x, int pad_y, double scale,
	double group_threshold, char** err) {
	HOG* h = static_cast<HOG*>(hp);
	try {
		h->rects.clear();
		h->weights.clear();
		h->desc.detectMultiScale(*static_cast<cv::Mat*>(mat), h->rects, h->weights,
			hit_threshold, cv::Size(stride_x, stride_y), cv::Size(pad_x, pad_y),
			scale, group_threshold, false);
		return (int)h->rects.size();
	} catch (const std::exception& e) {
		set_err(err, e.what());
	} catch (...) {
		set_err(err, "unknown C++ exception");
	}
	return -1;
}

void dypose_hog_hits(DyposeHOG hp, DyposeHit* dst, int n) {
	HOG* h = static_cast<HOG*>(hp);
	for (int i = 0; i < n && i < (int)h->rects.size(); i++) {
		const cv::Rect& r = h->rects[i];
		dst[i].x = r.x;
		dst[i].y = r.y;
		dst[i].w = r.width;
		dst[i].h = r.height;
		dst[i].weight = i < (int)h->weights.size() ? h->weights[i] : 0;
	}
}
