// onnxprobe.cpp: see onnxprobe.h.
#include "onnxprobe.h"

#include <cstdlib>
#include <cstring>
#include <exception>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace {

void set_err(char** err, const char* msg) {
	if (err != NULL) {
		*err = strdup(msg);
	}
}

}  // namespace

int dypose_onnx_probe(const char* path, const char* output, int in_w, int in_h,
	int* dims, char** err) {
	try {
		cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
		if (net.empty()) {
			set_err(err, "OpenCV returned an empty network");
			return -1;
		}
		int sz[] = {1, 3, in_h, in_w};
		cv::Mat blob(4, sz, CV_32F, cv::Scalar(0));
		net.setInput(blob);
		cv::Mat out = net.forward(output);
		int nd = out.dims;
		if (nd > 8) {
			set_err(err, "output has more than 8 dimensions");
			return -1;
		}
		for (int i = 0; i < nd; i++) {
			dims[i] = out.size[i];
		}
		return nd;
	} catch (const std::exception& e) {
		set_err(err, e.what());
	} catch (...) {
		set_err(err, "unknown C++ exception");
	}
	return -1;
}
