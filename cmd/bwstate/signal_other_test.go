//go:build !unix

package main

import "errors"

func interruptGroup(int) error {
	return errors.New("intgroup: process groups need a unix system")
}
