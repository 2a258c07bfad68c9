/** One benchmark figure, as `--json` prints it: `{"bench","figure","value","unit"}`. */
export interface Figure {
  bench: string;
  figure: string;
  value: number;
  unit: string;
}
