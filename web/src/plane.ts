/**
 * web/plane — the toy sets' input plane [−1, 1]² (the playground's [−6, 6]² divided by 6) as a grid
 * of points, for the decision heat map and the per-neuron maps. Row 0 is the top (x₂ = +1).
 */
import { Tensor } from 'glassbox';

/** The half-width of the plane drawn (features lie in about [−1, 1]). */
export const EXTENT = 1;

/** A res × res grid of points over the plane, as a [res², 2] input tensor, row-major from the top-left. */
export function planeGrid(res: number): Tensor {
  const x = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      const i = r * res + c;
      x[2 * i] = -EXTENT + ((c + 0.5) / res) * 2 * EXTENT; // x₁ left → right
      x[2 * i + 1] = EXTENT - ((r + 0.5) / res) * 2 * EXTENT; // x₂ top → bottom
    }
  }
  return new Tensor(x, [res * res, 2]);
}

/** Canvas position (0…size) of a point of the plane. */
export function toCanvas(x1: number, x2: number, size: number): [number, number] {
  return [((x1 + EXTENT) / (2 * EXTENT)) * size, ((EXTENT - x2) / (2 * EXTENT)) * size];
}
