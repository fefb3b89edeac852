/**
 * Step-size adaptation by dual averaging (Hoffman & Gelman 2014, Algorithm 5; Nesterov 2009):
 *
 *     H̄ₜ = (1 − 1/(t + t₀)) H̄ₜ₋₁ + (δ − αₜ)/(t + t₀)
 *     log εₜ = μ − √t/γ · H̄ₜ,    log ε̄ₜ = t^{−κ} log εₜ + (1 − t^{−κ}) log ε̄ₜ₋₁
 *
 * with μ = log(10 ε₀), γ = 0.05, t₀ = 10, κ = 0.75: εₜ is used during warm-up, ε̄ after it.
 */
export class DualAveraging {
  private t = 0;
  private hBar = 0;
  private logEps: number;
  private logEpsBar = 0;
  private readonly mu: number;

  constructor(initialStepSize: number, private readonly target: number, private readonly gamma = 0.05, private readonly t0 = 10, private readonly kappa = 0.75) {
    this.logEps = Math.log(initialStepSize);
    this.mu = Math.log(10 * initialStepSize);
  }

  /** The step size to use now (warm-up). */
  get stepSize(): number {
    return Math.exp(this.logEps);
  }

  /** The averaged step size, for after warm-up. */
  get finalStepSize(): number {
    return this.t === 0 ? Math.exp(this.logEps) : Math.exp(this.logEpsBar);
  }

  /** Record the mean acceptance probability α of the latest iteration. */
  update(alpha: number): void {
    this.t++;
    const t = this.t;
    const a = Number.isFinite(alpha) ? Math.min(1, Math.max(0, alpha)) : 0;
    this.hBar = (1 - 1 / (t + this.t0)) * this.hBar + (this.target - a) / (t + this.t0);
    this.logEps = this.mu - (Math.sqrt(t) / this.gamma) * this.hBar;
    const w = t ** -this.kappa;
    this.logEpsBar = w * this.logEps + (1 - w) * this.logEpsBar;
  }
}
