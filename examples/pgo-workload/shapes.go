package main

import "math"

// Shape is called through an interface in sumAreas: the call site PGO may
// devirtualize to its hottest concrete method.
type Shape interface {
	Area() float64
}

// Circle is a Shape with a value receiver.
type Circle struct{ R float64 }

// Area integrates the disc in strips (slow on purpose: samples land here).
func (c Circle) Area() float64 {
	const strips = 64
	a := 0.0
	for i := 0; i < strips; i++ {
		y := c.R * (float64(i) + 0.5) / strips
		a += 2 * math.Sqrt(c.R*c.R-y*y) * c.R / strips
	}
	return 2 * a
}

// Rect is a Shape with a pointer receiver.
type Rect struct{ W, H float64 }

// Area adds unit cells (slow on purpose).
func (r *Rect) Area() float64 {
	a := 0.0
	for i := 0; i < 48; i++ {
		a += r.W * r.H / 48
	}
	return a
}

// Poly is a Shape given by its vertices.
type Poly struct{ X, Y []float64 }

// Area is the shoelace formula.
func (p *Poly) Area() float64 {
	a := 0.0
	n := len(p.X)
	for i := 0; i < n; i++ {
		j := (i + 1) % n
		a += p.X[i]*p.Y[j] - p.X[j]*p.Y[i]
	}
	return math.Abs(a) / 2
}

func sumAreas(shapes []Shape) float64 {
	total := 0.0
	for _, s := range shapes {
		total += s.Area()
	}
	return total
}

// makeShapes returns n shapes: rects, circles and polygons in these proportions.
func makeShapes(n, rects, circles, polys int) []Shape {
	var out []Shape
	for len(out) < n {
		for i := 0; i < rects; i++ {
			out = append(out, &Rect{W: float64(i + 1), H: 2})
		}
		for i := 0; i < circles; i++ {
			out = append(out, Circle{R: float64(i + 1)})
		}
		for i := 0; i < polys; i++ {
			out = append(out, &Poly{X: []float64{0, 4, 4, 0, -1}, Y: []float64{0, 0, 3, 3, 1}})
		}
	}
	return out
}

var (
	shapesA = makeShapes(200, 14, 5, 1) // mostly rectangles
	shapesB = makeShapes(200, 3, 16, 1) // mostly circles
)
