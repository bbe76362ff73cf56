package nn

/*
#cgo pkg-config: openblas
#include <cblas.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C with OpenBLAS, row-major.
// op(A) is M×K, op(B) is K×N, C is M×N; lda, ldb, ldc are row strides.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	// Bounds are checked here once so that a wrong stride is a Go panic with
	// shapes, not a silent out-of-bounds read inside OpenBLAS.
	rowsA, rowsB := m, k
	if transA {
		rowsA = k
	}
	if transB {
		rowsB = n
	}
	colsA, colsB := k, n
	if transA {
		colsA = m
	}
	if transB {
		colsB = k
	}
	if k > 0 && (len(a) < (rowsA-1)*lda+colsA || len(b) < (rowsB-1)*ldb+colsB) || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("%s: sgemm m=%d n=%d k=%d lda=%d ldb=%d ldc=%d len(a,b,c)=%d,%d,%d",
			errShape, m, n, k, lda, ldb, ldc, len(a), len(b), len(c)))
	}
	if k == 0 {
		scale(c, m, n, ldc, beta)
		return
	}
	var ta, tb uint32 = C.CblasNoTrans, C.CblasNoTrans
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

// Sgemv computes y = alpha·A·x + beta·y with OpenBLAS, A row-major m×n
// with row stride lda, x of n and y of m elements (unit strides). A batch-1
// fully connected layer is a GEMV: OpenBLAS's sgemm would pack A first.
func Sgemv(m, n int, alpha float32, a []float32, lda int, x []float32, beta float32, y []float32) {
	if m == 0 {
		return
	}
	if len(a) < (m-1)*lda+n || len(x) < n || len(y) < m {
		panic(fmt.Sprintf("%s: sgemv m=%d n=%d lda=%d len(a,x,y)=%d,%d,%d", errShape, m, n, lda, len(a), len(x), len(y)))
	}
	if n == 0 {
		scale(y, 1, m, m, beta)
		return
	}
	C.cblas_sgemv(C.CblasRowMajor, C.CblasNoTrans, C.blasint(m), C.blasint(n),
		C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda),
		(*C.float)(unsafe.Pointer(&x[0])), 1, C.float(beta), (*C.float)(unsafe.Pointer(&y[0])), 1)
}

func scale(c []float32, m, n, ldc int, beta float32) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			row[j] *= beta
		}
	}
}

// SetBLASThreads sets how many threads OpenBLAS may use. dypose parallelises
// across cores itself where it can, so callers that do usually set 1 here to
// avoid oversubscribing the machine.
func SetBLASThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// BLASThreads reports the number of threads OpenBLAS uses.
func BLASThreads() int { return int(C.openblas_get_num_threads()) }

// BLASConfig describes the OpenBLAS build (version, target core).
func BLASConfig() string { return C.GoString(C.openblas_get_config()) }
