// Package train trains dypose's pose networks: the loop, its recipe
// (Config), checkpoints with exact resume, validation AP and the curves.
package train
