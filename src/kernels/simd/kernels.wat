;; Hand-written WebAssembly SIMD kernels for the tape-free training step on the wasm backend.
;; They import TF.js's own wasm memory, so they read and write tensors in place (pointers are the
;; tensors' byte offsets on that heap). Built into kernels-wasm.ts by scripts/build-simd.mjs
;; (needs wabt's wat2wasm); the built bytes are committed, so installs need no wabt.
(module
  (import "env" "memory" (memory 0))

;; Dense backward over dy [B, n] (B and n multiples of 4): g = dy (linear, $mode 0), dy where saved > 0
  ;; (relu, $mode 1) or dy · min(saved + 1, 1) (ELU from its output, $mode 2); writes dPre = g [B, n], dPreT = gᵀ [n, B] and dBias = Σ_rows g [n] (float32 sums, in
  ;; blocks of 4 rows). Works on 4 × 4 blocks: 4 rows' vectors, transposed in registers for dPreT.
  (func (export "denseGrad")
    (param $dy i32) (param $s i32) (param $dp i32) (param $dpt i32) (param $db i32)
    (param $B i32) (param $n i32) (param $mode i32)
    (local $r i32) (local $j i32) (local $p i32) (local $q i32) (local $t i32) (local $ns i32) (local $bs i32)
    (local $g0 v128) (local $g1 v128) (local $g2 v128) (local $g3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $j (i32.const 0))
    (block $z (loop $zl
      (br_if $z (i32.ge_u (local.get $j) (local.get $n)))
      (v128.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2))) (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $zl)))
    (local.set $ns (i32.shl (local.get $n) (i32.const 2)))
    (local.set $bs (i32.shl (local.get $B) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $r) (local.get $B)))
      (local.set $j (i32.const 0))
      (block $rd (loop $cols
        (br_if $rd (i32.ge_u (local.get $j) (local.get $n)))
        ;; byte offset of (r, j) in [B, n]
        (local.set $p (i32.shl (i32.add (i32.mul (local.get $r) (local.get $n)) (local.get $j)) (i32.const 2)))
        (local.set $g0 (v128.load (i32.add (local.get $dy) (local.get $p))))
        (local.set $g1 (v128.load (i32.add (i32.add (local.get $dy) (local.get $p)) (local.get $ns))))
        (local.set $g2 (v128.load (i32.add (i32.add (local.get $dy) (local.get $p)) (i32.shl (local.get $ns) (i32.const 1)))))
        (local.set $g3 (v128.load (i32.add (i32.add (local.get $dy) (local.get $p)) (i32.mul (local.get $ns) (i32.const 3)))))
        (if (i32.eq (local.get $mode) (i32.const 1)) (then
          (local.set $t (i32.add (local.get $s) (local.get $p)))
          (local.set $g0 (v128.and (local.get $g0) (f32x4.gt (v128.load (local.get $t)) (v128.const f32x4 0 0 0 0))))
          (local.set $g1 (v128.and (local.get $g1) (f32x4.gt (v128.load (i32.add (local.get $t) (local.get $ns))) (v128.const f32x4 0 0 0 0))))
          (local.set $g2 (v128.and (local.get $g2) (f32x4.gt (v128.load (i32.add (local.get $t) (i32.shl (local.get $ns) (i32.const 1)))) (v128.const f32x4 0 0 0 0))))
          (local.set $g3 (v128.and (local.get $g3) (f32x4.gt (v128.load (i32.add (local.get $t) (i32.mul (local.get $ns) (i32.const 3)))) (v128.const f32x4 0 0 0 0))))))
        (if (i32.eq (local.get $mode) (i32.const 2)) (then
          (local.set $t (i32.add (local.get $s) (local.get $p)))
          (local.set $g0 (f32x4.mul (local.get $g0) (f32x4.min (f32x4.add (v128.load (local.get $t)) (v128.const f32x4 1 1 1 1)) (v128.const f32x4 1 1 1 1))))
          (local.set $g1 (f32x4.mul (local.get $g1) (f32x4.min (f32x4.add (v128.load (i32.add (local.get $t) (local.get $ns))) (v128.const f32x4 1 1 1 1)) (v128.const f32x4 1 1 1 1))))
          (local.set $g2 (f32x4.mul (local.get $g2) (f32x4.min (f32x4.add (v128.load (i32.add (local.get $t) (i32.shl (local.get $ns) (i32.const 1)))) (v128.const f32x4 1 1 1 1)) (v128.const f32x4 1 1 1 1))))
          (local.set $g3 (f32x4.mul (local.get $g3) (f32x4.min (f32x4.add (v128.load (i32.add (local.get $t) (i32.mul (local.get $ns) (i32.const 3)))) (v128.const f32x4 1 1 1 1)) (v128.const f32x4 1 1 1 1))))))
        (local.set $t (i32.add (local.get $dp) (local.get $p)))
        (v128.store (local.get $t) (local.get $g0))
        (v128.store (i32.add (local.get $t) (local.get $ns)) (local.get $g1))
        (v128.store (i32.add (local.get $t) (i32.shl (local.get $ns) (i32.const 1))) (local.get $g2))
        (v128.store (i32.add (local.get $t) (i32.mul (local.get $ns) (i32.const 3))) (local.get $g3))
        (local.set $t (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t))
          (f32x4.add (f32x4.add (local.get $g0) (local.get $g1)) (f32x4.add (local.get $g2) (local.get $g3)))))
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $g0) (local.get $g1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $g0) (local.get $g1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $g2) (local.get $g3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $g2) (local.get $g3)))
        ;; (r, j) block goes to dPreT rows j … j + 3, columns r … r + 3 (dPreT pointer 0: not wanted)
        (if (local.get $dpt) (then
        (local.set $q (i32.add (local.get $dpt)
          (i32.shl (i32.add (i32.mul (local.get $j) (local.get $B)) (local.get $r)) (i32.const 2))))
        (v128.store (local.get $q)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $q) (local.get $bs))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $q) (i32.shl (local.get $bs) (i32.const 1)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $q) (i32.mul (local.get $bs) (i32.const 3)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $cols)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $rows))))

  ;; dst [cols, rows] = srcᵀ, src [rows, cols], both multiples of 4: 4 × 4 blocks transposed in registers.
  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $p i32) (local $q i32) (local $rs i32) (local $cs i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rs (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $done (loop $rl
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $c (i32.const 0))
      (block $rd (loop $cl
        (br_if $rd (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $p (i32.add (local.get $src)
          (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
        (local.set $a0 (v128.load (local.get $p)))
        (local.set $a1 (v128.load (i32.add (local.get $p) (local.get $cs))))
        (local.set $a2 (v128.load (i32.add (local.get $p) (i32.shl (local.get $cs) (i32.const 1)))))
        (local.set $a3 (v128.load (i32.add (local.get $p) (i32.mul (local.get $cs) (i32.const 3)))))
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3)))
        (local.set $q (i32.add (local.get $dst)
          (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
        (v128.store (local.get $q)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $q) (local.get $rs))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $q) (i32.shl (local.get $rs) (i32.const 1)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $q) (i32.mul (local.get $rs) (i32.const 3)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $rl))))

  ;; One Adam step over n values, in place on m and v, new weights to out, in tf.train.adam's float32
  ;; op order (every product, sum, quotient and square root rounded to float32, as the JavaScript
  ;; kernel does with Math.fround): bit-identical to it. New moments below the smallest normal float32
  ;; (2^-126) in magnitude are stored as +0 (see kernels/adam.ts): subnormal arithmetic takes a
  ;; slow path in the processor on every later step.
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $out i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $d1 f32) (param $d2 f32)
    (param $eps f32) (param $negLr f32)
    (local $o i32) (local $end i32) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $o))))
      (local.set $mv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (f32x4.splat (local.get $b1)))
        (f32x4.mul (local.get $gv) (f32x4.splat (local.get $c1)))))
      (local.set $vv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (f32x4.splat (local.get $b2)))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $c2)))))
      ;; Lanes with |x| < 2^-126 cleared to +0 (a NaN compares false and stays).
      (local.set $mv (v128.andnot (local.get $mv) (f32x4.lt (f32x4.abs (local.get $mv)) (f32x4.splat (f32.const 0x1p-126)))))
      (local.set $vv (v128.andnot (local.get $vv) (f32x4.lt (f32x4.abs (local.get $vv)) (f32x4.splat (f32.const 0x1p-126)))))
      (v128.store (i32.add (local.get $m) (local.get $o)) (local.get $mv))
      (v128.store (i32.add (local.get $v) (local.get $o)) (local.get $vv))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f32x4.add
          (f32x4.mul
            (f32x4.div (f32x4.div (local.get $mv) (f32x4.splat (local.get $d1)))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $d2)))) (f32x4.splat (local.get $eps))))
            (f32x4.splat (local.get $negLr)))
          (v128.load (i32.add (local.get $w) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done2 (loop $t
      (br_if $done2 (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (local.set $ms (f32.add
        (f32.mul (f32.load (i32.add (local.get $m) (local.get $o))) (local.get $b1))
        (f32.mul (local.get $gs) (local.get $c1))))
      (local.set $vs (f32.add
        (f32.mul (f32.load (i32.add (local.get $v) (local.get $o))) (local.get $b2))
        (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
      (local.set $ms (select (f32.const 0) (local.get $ms) (f32.lt (f32.abs (local.get $ms)) (f32.const 0x1p-126))))
      (local.set $vs (select (f32.const 0) (local.get $vs) (f32.lt (f32.abs (local.get $vs)) (f32.const 0x1p-126))))
      (f32.store (i32.add (local.get $m) (local.get $o)) (local.get $ms))
      (f32.store (i32.add (local.get $v) (local.get $o)) (local.get $vs))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.add
          (f32.mul
            (f32.div (f32.div (local.get $ms) (local.get $d1))
              (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $d2))) (local.get $eps)))
            (local.get $negLr))
          (f32.load (i32.add (local.get $w) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; Backward of a dense layer with ONE input (a 2D coupling's conditioner input), n outputs (a
  ;; multiple of 4): from dy [B, n], saved [B, n] (the ReLU output; unused for linear), x [B] and the
  ;; weight row w [n], with g = dy (· [saved > 0]):  dBias = Σ_r g[r, :],  dW = Σ_r x[r] g[r, :],
  ;; and, when needDx, dx[r] = Σ_j g[r, j] w[j]. Float32 sums in row order (dx: 4 partial lanes).
  ;; Replaces a dPre/dPreᵀ pass and two small matMuls.
  (func (export "denseGradIn1")
    (param $dy i32) (param $s i32) (param $x i32) (param $w i32) (param $db i32) (param $dw i32) (param $dx i32)
    (param $B i32) (param $n i32) (param $relu i32) (param $needDx i32)
    (local $r i32) (local $jo i32) (local $no i32) (local $p i32) (local $t i32)
    (local $g v128) (local $xr v128) (local $acc v128)
    (local.set $no (i32.shl (local.get $n) (i32.const 2)))
    (local.set $jo (i32.const 0))
    (block $z (loop $zl
      (br_if $z (i32.ge_u (local.get $jo) (local.get $no)))
      (v128.store (i32.add (local.get $db) (local.get $jo)) (v128.const i32x4 0 0 0 0))
      (v128.store (i32.add (local.get $dw) (local.get $jo)) (v128.const i32x4 0 0 0 0))
      (local.set $jo (i32.add (local.get $jo) (i32.const 16)))
      (br $zl)))
    (local.set $p (i32.const 0))
    (local.set $r (i32.const 0))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $r) (local.get $B)))
      (local.set $xr (v128.load32_splat (i32.add (local.get $x) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $jo (i32.const 0))
      (block $rd (loop $cols
        (br_if $rd (i32.ge_u (local.get $jo) (local.get $no)))
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $p))))
        (if (local.get $relu) (then
          (local.set $g (v128.and (local.get $g)
            (f32x4.gt (v128.load (i32.add (local.get $s) (local.get $p))) (v128.const f32x4 0 0 0 0))))))
        (local.set $t (i32.add (local.get $db) (local.get $jo)))
        (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (local.get $g)))
        (local.set $t (i32.add (local.get $dw) (local.get $jo)))
        (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (f32x4.mul (local.get $g) (local.get $xr))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $w) (local.get $jo))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $jo (i32.add (local.get $jo) (i32.const 16)))
        (br $cols)))
      (if (local.get $needDx) (then
        (f32.store (i32.add (local.get $dx) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows))))

;; Backward of a LINEAR dense layer with few outputs (a 2D coupling's conditioner output) from
  ;; dy [B, n], its input x [B, m] (m a multiple of 4) and kernel w [m, n]:  dBias = Σ_r dy[r, :],
  ;; dW[k, j] = Σ_r x[r, k] dy[r, j],  and, when needDx, dx[r, :] = Σ_j dy[r, j] w[:, j].  scratch
  ;; holds n·m floats (wᵀ). Float32 sums in row order, each started at 0. dW is accumulated in
  ;; registers, 16 columns of x at a time per output (then 4 at a time), instead of read-modify-write
  ;; passes over memory per row: the same sums in the same order, about 3× faster. Replaces two
  ;; transposes, two small matMuls (one packing a [B, m] operand) and a column sum.
  (func (export "denseGradNarrow")
    (param $dy i32) (param $x i32) (param $w i32) (param $dw i32) (param $db i32) (param $dx i32) (param $scratch i32)
    (param $B i32) (param $m i32) (param $n i32) (param $needDx i32)
    (local $r i32) (local $j i32) (local $k i32) (local $wt i32) (local $mo i32) (local $no i32)
    (local $t i32) (local $xrow i32) (local $pd i32) (local $end i32) (local $sum f32)
    (local $dv v128) (local $acc v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $mo (i32.shl (local.get $m) (i32.const 2)))
    (local.set $no (i32.shl (local.get $n) (i32.const 2)))
    (local.set $wt (local.get $scratch))
    ;; wT[j, k] = w[k, j]
    (local.set $k (i32.const 0))
    (block $e1 (loop $l1
      (br_if $e1 (i32.ge_u (local.get $k) (local.get $m)))
      (local.set $j (i32.const 0))
      (block $e2 (loop $l2
        (br_if $e2 (i32.ge_u (local.get $j) (local.get $n)))
        (f32.store (i32.add (local.get $wt) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $m)) (local.get $k)) (i32.const 2)))
          (f32.load (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $n)) (local.get $j)) (i32.const 2)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l2)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l1)))
    (local.set $end (i32.mul (local.get $B) (local.get $no)))
    (local.set $j (i32.const 0))
    (block $ej (loop $lj
      (br_if $ej (i32.ge_u (local.get $j) (local.get $n)))
      ;; dBias[j] = Σ_r dy[r, j]
      (local.set $sum (f32.const 0))
      (local.set $pd (i32.add (local.get $dy) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $t (i32.add (local.get $pd) (local.get $end)))
      (block $eb (loop $lb
        (br_if $eb (i32.ge_u (local.get $pd) (local.get $t)))
        (local.set $sum (f32.add (local.get $sum) (f32.load (local.get $pd))))
        (local.set $pd (i32.add (local.get $pd) (local.get $no)))
        (br $lb)))
      (f32.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2))) (local.get $sum))
      ;; dW[k .. k+16, j], 16 columns of x at a time
      (local.set $k (i32.const 0))
      (block $ek (loop $lk
        (br_if $ek (i32.gt_u (i32.add (local.get $k) (i32.const 64)) (local.get $mo)))
        (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $pd (i32.add (local.get $dy) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $xrow (i32.add (local.get $x) (local.get $k)))
        (local.set $r (i32.const 0))
        (block $er (loop $lr
          (br_if $er (i32.ge_u (local.get $r) (local.get $B)))
          (local.set $dv (v128.load32_splat (local.get $pd)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $dv) (v128.load (local.get $xrow)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $dv) (v128.load offset=16 (local.get $xrow)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $dv) (v128.load offset=32 (local.get $xrow)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $dv) (v128.load offset=48 (local.get $xrow)))))
          (local.set $pd (i32.add (local.get $pd) (local.get $no)))
          (local.set $xrow (i32.add (local.get $xrow) (local.get $mo)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $lr)))
        (local.set $t (i32.add (local.get $dw) (i32.add (i32.mul (i32.shr_u (local.get $k) (i32.const 2)) (local.get $no)) (i32.shl (local.get $j) (i32.const 2)))))
        (call $storeStrided (local.get $t) (local.get $a0) (local.get $no))
        (call $storeStrided (i32.add (local.get $t) (i32.shl (local.get $no) (i32.const 2))) (local.get $a1) (local.get $no))
        (call $storeStrided (i32.add (local.get $t) (i32.shl (local.get $no) (i32.const 3))) (local.get $a2) (local.get $no))
        (call $storeStrided (i32.add (local.get $t) (i32.mul (local.get $no) (i32.const 12))) (local.get $a3) (local.get $no))
        (local.set $k (i32.add (local.get $k) (i32.const 64)))
        (br $lk)))
      ;; the remaining columns, 4 at a time
      (block $ek4 (loop $lk4
        (br_if $ek4 (i32.ge_u (local.get $k) (local.get $mo)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $pd (i32.add (local.get $dy) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $xrow (i32.add (local.get $x) (local.get $k)))
        (local.set $r (i32.const 0))
        (block $er4 (loop $lr4
          (br_if $er4 (i32.ge_u (local.get $r) (local.get $B)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $pd)) (v128.load (local.get $xrow)))))
          (local.set $pd (i32.add (local.get $pd) (local.get $no)))
          (local.set $xrow (i32.add (local.get $xrow) (local.get $mo)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $lr4)))
        (call $storeStrided
          (i32.add (local.get $dw) (i32.add (i32.mul (i32.shr_u (local.get $k) (i32.const 2)) (local.get $no)) (i32.shl (local.get $j) (i32.const 2))))
          (local.get $a0) (local.get $no))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $lk4)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj)))
    ;; dx[r, :] = Σ_j dy[r, j] wT[j, :], 4 columns at a time, each sum started at 0 in j order; running
    ;; pointers (dy's row, dx's row, wT's column block) instead of index products in the inner loops.
    (if (local.get $needDx) (then
      (local.set $pd (local.get $dy))
      (local.set $t (local.get $dx))
      (local.set $end (i32.add (local.get $dy) (local.get $end)))
      (block $done (loop $rows
        (br_if $done (i32.ge_u (local.get $pd) (local.get $end)))
        (local.set $k (i32.const 0))
        (if (i32.eq (local.get $n) (i32.const 2)) (then
          ;; Two outputs (an affine coupling's shift and log-scale): both factors splatted once per row.
          (local.set $a0 (v128.load32_splat (local.get $pd)))
          (local.set $a1 (v128.load32_splat offset=4 (local.get $pd)))
          (local.set $xrow (local.get $wt))
          (block $e22 (loop $l22
            (br_if $e22 (i32.ge_u (local.get $k) (local.get $mo)))
            (v128.store (i32.add (local.get $t) (local.get $k))
              (f32x4.add
                (f32x4.add (v128.const i32x4 0 0 0 0) (f32x4.mul (local.get $a0) (v128.load (local.get $xrow))))
                (f32x4.mul (local.get $a1) (v128.load (i32.add (local.get $xrow) (local.get $mo))))))
            (local.set $xrow (i32.add (local.get $xrow) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $l22)))))
        (block $ek2 (loop $lk2
          (br_if $ek2 (i32.ge_u (local.get $k) (local.get $mo)))
          (local.set $acc (v128.const i32x4 0 0 0 0))
          (local.set $xrow (i32.add (local.get $wt) (local.get $k)))
          (local.set $j (i32.const 0))
          (block $ej2 (loop $lj2
            (br_if $ej2 (i32.ge_u (local.get $j) (local.get $no)))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load32_splat (i32.add (local.get $pd) (local.get $j))) (v128.load (local.get $xrow)))))
            (local.set $xrow (i32.add (local.get $xrow) (local.get $mo)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $lj2)))
          (v128.store (i32.add (local.get $t) (local.get $k)) (local.get $acc))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $lk2)))
        (local.set $pd (i32.add (local.get $pd) (local.get $no)))
        (local.set $t (i32.add (local.get $t) (local.get $mo)))
        (br $rows)))))
  )

;; Σ x[i]² over n float32 values at p, in float64 (each square exact; two lanes of partial sums
  ;; per accumulator, then the tail): a gradient's contribution to the global norm.
  (func (export "sumSquares") (param $p i32) (param $n i32) (result f64)
    (local $end i32) (local $v v128) (local $lo v128) (local $hi v128) (local $a v128) (local $b v128) (local $s f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $a (v128.const i32x4 0 0 0 0))
    (local.set $b (v128.const i32x4 0 0 0 0))
    (block $e (loop $l
      (br_if $e (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (v128.load (local.get $p)))
      (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
      (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
      (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $lo) (local.get $lo))))
      (local.set $b (f64x2.add (local.get $b) (f64x2.mul (local.get $hi) (local.get $hi))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l)))
    (local.set $s (f64.add
      (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a)))
      (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $e2 (loop $l2
      (br_if $e2 (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $s (f64.add (local.get $s) (f64.mul (f64.promote_f32 (f32.load (local.get $p))) (f64.promote_f32 (f32.load (local.get $p))))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l2)))
    (local.get $s))

  ;; The 4 lanes of v at p, p + stride, p + 2·stride, p + 3·stride (bytes).
  (func $storeStrided (param $p i32) (param $v v128) (param $stride i32)
    (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v)))
    (f32.store (i32.add (local.get $p) (local.get $stride)) (f32x4.extract_lane 1 (local.get $v)))
    (f32.store (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1))) (f32x4.extract_lane 2 (local.get $v)))
    (f32.store (i32.add (local.get $p) (i32.mul (local.get $stride) (i32.const 3))) (f32x4.extract_lane 3 (local.get $v))))

  ;; c [M, N] = aᵀ · b for a [R, M], b [R, N] (M a multiple of 4): a dense layer's weight gradient
  ;; xᵀ·dPre, with no packing of the fresh operand (wasm's matMul packs its second operand for every
  ;; new tensor). b's rows are $ldb floats apart, $ldb ≥ N a multiple of 8 (the caller pads a ragged
  ;; N with zero columns); c is stored unpadded. 4 × 8 output tiles in 8 accumulators; float32 sums
  ;; in row order. $ranges (0: none) holds an i32 pair [lo, hi) per 8-column tile of c: tiles whose 4
  ;; rows all lie outside it are stored as 0 without a pass over R (a masked layer's zero blocks).
  (func (export "gemmTN") (param $a i32) (param $b i32) (param $c i32) (param $R i32) (param $M i32) (param $N i32) (param $ldb i32) (param $ranges i32) (param $packed i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $end i32) (local $mo i32) (local $no i32) (local $pc i32) (local $nb i32) (local $rp i32) (local $as i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $mo (i32.shl (local.get $M) (i32.const 2)))
    (local.set $no (i32.shl (local.get $N) (i32.const 2)))
    (local.set $nb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $as (local.get $mo))
    ;; $packed bit 0: b in 8-column panels [N/8][R][8]; bit 1: a in 4-column panels [M/4][R][4].
    (if (i32.and (local.get $packed) (i32.const 1)) (then (local.set $nb (i32.const 32))))
    (if (i32.and (local.get $packed) (i32.const 2)) (then (local.set $as (i32.const 16))))
    (local.set $i (i32.const 0))
    (block $ei (loop $li
      (br_if $ei (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $j (i32.const 0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
        (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
        (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
        (local.set $pa (i32.add (local.get $a)
          (if (result i32) (i32.and (local.get $packed) (i32.const 2)) (then (i32.shl (i32.mul (local.get $i) (local.get $R)) (i32.const 2))) (else (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $pb (i32.add (local.get $b)
          (if (result i32) (i32.and (local.get $packed) (i32.const 1)) (then (i32.shl (i32.mul (local.get $j) (local.get $R)) (i32.const 2))) (else (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $end (i32.add (local.get $pa) (i32.mul (local.get $R) (local.get $as))))
        ;; With ranges: a tile whose rows i … i + 3 lie outside its column tile's [lo, hi) is left 0.
        (if (local.get $ranges) (then
          (local.set $rp (i32.add (local.get $ranges) (i32.shl (local.get $j) (i32.const 0))))
          (if (i32.or
                (i32.le_u (i32.add (local.get $i) (i32.const 4)) (i32.load (local.get $rp)))
                (i32.ge_u (local.get $i) (i32.load offset=4 (local.get $rp))))
            (then (local.set $end (local.get $pa))))))
        (block $er (loop $lr
          (br_if $er (i32.ge_u (local.get $pa) (local.get $end)))
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $a0 (v128.load32_splat (local.get $pa)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a0) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a0) (local.get $b1))))
          (local.set $a1 (v128.load32_splat offset=4 (local.get $pa)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a1) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a1) (local.get $b1))))
          (local.set $a2 (v128.load32_splat offset=8 (local.get $pa)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a2) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a2) (local.get $b1))))
          (local.set $a3 (v128.load32_splat offset=12 (local.get $pa)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a3) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a3) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $as)))
          (local.set $pb (i32.add (local.get $pb) (local.get $nb)))
          (br $lr)))
        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2))))
        (if (i32.ge_u (i32.sub (local.get $N) (local.get $j)) (i32.const 8))
          (then
            (v128.store (local.get $pc) (local.get $c00))
            (v128.store offset=16 (local.get $pc) (local.get $c01))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (v128.store (local.get $pc) (local.get $c10))
            (v128.store offset=16 (local.get $pc) (local.get $c11))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (v128.store (local.get $pc) (local.get $c20))
            (v128.store offset=16 (local.get $pc) (local.get $c21))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (v128.store (local.get $pc) (local.get $c30))
            (v128.store offset=16 (local.get $pc) (local.get $c31)))
          (else
            ;; The ragged last tile: only its N − j real columns.
            (call $storePartial (local.get $pc) (local.get $c00) (local.get $c01) (i32.sub (local.get $N) (local.get $j)))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (call $storePartial (local.get $pc) (local.get $c10) (local.get $c11) (i32.sub (local.get $N) (local.get $j)))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (call $storePartial (local.get $pc) (local.get $c20) (local.get $c21) (i32.sub (local.get $N) (local.get $j)))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (call $storePartial (local.get $pc) (local.get $c30) (local.get $c31) (i32.sub (local.get $N) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $lj)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $li))))

  ;; c [M, N] = act(a · b + bias) for a [M, K], b [K, N] (M a multiple of 4); bias [N] or none
  ;; (pointer 0); act = relu when relu ≠ 0, else identity. A dense layer's forward pass and its input
  ;; gradient dPre · Wᵀ, without wasm matMul's per-tensor packing. b's rows are $ldb floats apart,
  ;; $ldb ≥ N a multiple of 8, and the bias holds $ldb values (the caller pads a ragged N with zeros);
  ;; c is stored unpadded. 4 × 8 output tiles in 8 accumulators started at the bias; float32 sums in
  ;; k order. $ranges (0: none) holds an i32 pair [lo, hi) per 8-column tile: the tile sums over k in
  ;; [lo, hi) only, the caller guaranteeing b's rows outside it are zero in those columns (a masked
  ;; layer's block-triangular weights, MADE).
  (func (export "gemmNN") (param $a i32) (param $b i32) (param $bias i32) (param $c i32)
    (param $M i32) (param $K i32) (param $N i32) (param $relu i32) (param $ldb i32) (param $ranges i32) (param $packed i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $end i32) (local $ko i32) (local $no i32) (local $pc i32) (local $nb i32) (local $lo i32) (local $hi i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $ko (i32.shl (local.get $K) (i32.const 2)))
    (local.set $no (i32.shl (local.get $N) (i32.const 2)))
    (local.set $nb (i32.shl (local.get $ldb) (i32.const 2)))
    ;; Packed b: 8-column panels [N/8][$ldb][8] (see packPanels; $ldb ≥ K rows per panel), 32 bytes
    ;; from one k to the next.
    (if (local.get $packed) (then (local.set $nb (i32.const 32))))
    (local.set $i (i32.const 0))
    (block $ei (loop $li
      (br_if $ei (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $j (i32.const 0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_u (local.get $j) (local.get $N)))
        (if (local.get $bias)
          (then
            (local.set $b0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $b1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))
          (else
            (local.set $b0 (v128.const i32x4 0 0 0 0))
            (local.set $b1 (v128.const i32x4 0 0 0 0))))
        (local.set $c00 (local.get $b0)) (local.set $c01 (local.get $b1))
        (local.set $c10 (local.get $b0)) (local.set $c11 (local.get $b1))
        (local.set $c20 (local.get $b0)) (local.set $c21 (local.get $b1))
        (local.set $c30 (local.get $b0)) (local.set $c31 (local.get $b1))
        ;; With ranges: only k in the column tile's [lo, hi) (the rest of b's rows are zero there).
        (local.set $lo (i32.const 0))
        (local.set $hi (local.get $K))
        (if (local.get $ranges) (then
          (local.set $lo (i32.load (i32.add (local.get $ranges) (local.get $j))))
          (local.set $hi (i32.load offset=4 (i32.add (local.get $ranges) (local.get $j))))
          ;; Clamped to K: a partial pass (kernels/made.ts) multiplies a prefix of b's rows.
          (if (i32.gt_u (local.get $hi) (local.get $K)) (then (local.set $hi (local.get $K))))
          (if (i32.gt_u (local.get $lo) (local.get $hi)) (then (local.set $lo (local.get $hi))))))
        (local.set $pa (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ko))) (i32.shl (local.get $lo) (i32.const 2))))
        (local.set $pb (i32.add (i32.add (local.get $b)
          (if (result i32) (local.get $packed) (then (i32.shl (i32.mul (local.get $j) (local.get $ldb)) (i32.const 2))) (else (i32.shl (local.get $j) (i32.const 2)))))
          (i32.mul (local.get $lo) (local.get $nb))))
        (local.set $end (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ko))) (i32.shl (local.get $hi) (i32.const 2))))
        (block $ek (loop $lk
          (br_if $ek (i32.ge_u (local.get $pa) (local.get $end)))
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $a0 (v128.load32_splat (local.get $pa)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a0) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a0) (local.get $b1))))
          (local.set $a1 (v128.load32_splat (i32.add (local.get $pa) (local.get $ko))))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a1) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a1) (local.get $b1))))
          (local.set $a2 (v128.load32_splat (i32.add (local.get $pa) (i32.shl (local.get $ko) (i32.const 1)))))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a2) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a2) (local.get $b1))))
          (local.set $a3 (v128.load32_splat (i32.add (local.get $pa) (i32.mul (local.get $ko) (i32.const 3)))))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a3) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a3) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
          (local.set $pb (i32.add (local.get $pb) (local.get $nb)))
          (br $lk)))
        (if (local.get $relu) (then
          (local.set $c00 (f32x4.max (local.get $c00) (v128.const i32x4 0 0 0 0)))
          (local.set $c01 (f32x4.max (local.get $c01) (v128.const i32x4 0 0 0 0)))
          (local.set $c10 (f32x4.max (local.get $c10) (v128.const i32x4 0 0 0 0)))
          (local.set $c11 (f32x4.max (local.get $c11) (v128.const i32x4 0 0 0 0)))
          (local.set $c20 (f32x4.max (local.get $c20) (v128.const i32x4 0 0 0 0)))
          (local.set $c21 (f32x4.max (local.get $c21) (v128.const i32x4 0 0 0 0)))
          (local.set $c30 (f32x4.max (local.get $c30) (v128.const i32x4 0 0 0 0)))
          (local.set $c31 (f32x4.max (local.get $c31) (v128.const i32x4 0 0 0 0)))))
        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2))))
        (if (i32.ge_u (i32.sub (local.get $N) (local.get $j)) (i32.const 8))
          (then
            (v128.store (local.get $pc) (local.get $c00))
            (v128.store offset=16 (local.get $pc) (local.get $c01))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (v128.store (local.get $pc) (local.get $c10))
            (v128.store offset=16 (local.get $pc) (local.get $c11))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (v128.store (local.get $pc) (local.get $c20))
            (v128.store offset=16 (local.get $pc) (local.get $c21))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (v128.store (local.get $pc) (local.get $c30))
            (v128.store offset=16 (local.get $pc) (local.get $c31)))
          (else
            ;; The ragged last tile: only its N − j real columns.
            (call $storePartial (local.get $pc) (local.get $c00) (local.get $c01) (i32.sub (local.get $N) (local.get $j)))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (call $storePartial (local.get $pc) (local.get $c10) (local.get $c11) (i32.sub (local.get $N) (local.get $j)))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (call $storePartial (local.get $pc) (local.get $c20) (local.get $c21) (i32.sub (local.get $N) (local.get $j)))
            (local.set $pc (i32.add (local.get $pc) (local.get $no)))
            (call $storePartial (local.get $pc) (local.get $c30) (local.get $c31) (i32.sub (local.get $N) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $lj)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $li))))

;; dst = src [rows, cols] (rows $ld floats apart) in panels of $w (4 or 8) columns, [⌈cols/w⌉][rows][w],
  ;; zero-padded: the GEMMs' packed operands, read contiguously (a panel's rows are $w floats apart
  ;; instead of a whole row, which at 256 or 512 columns maps every row to the same few cache sets).
  (func (export "packPanels") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $ld i32) (param $w i32)
    (local $c i32) (local $r i32) (local $jj i32) (local $ps i32) (local $ls i32)
    (local.set $ls (i32.shl (local.get $ld) (i32.const 2)))
    (block $ec (loop $lc
      (br_if $ec (i32.ge_u (local.get $c) (local.get $cols)))
      (local.set $ps (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $er (loop $lr
        (br_if $er (i32.ge_u (local.get $r) (local.get $rows)))
        (if (i32.le_u (i32.add (local.get $c) (local.get $w)) (local.get $cols))
          (then
            (v128.store (local.get $dst) (v128.load (local.get $ps)))
            (if (i32.eq (local.get $w) (i32.const 8)) (then
              (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $ps))))))
          (else
            (local.set $jj (i32.const 0))
            (block $ej (loop $lj
              (br_if $ej (i32.ge_u (local.get $jj) (local.get $w)))
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $jj) (i32.const 2)))
                (if (result f32) (i32.lt_u (i32.add (local.get $c) (local.get $jj)) (local.get $cols))
                  (then (f32.load (i32.add (local.get $ps) (i32.shl (local.get $jj) (i32.const 2)))))
                  (else (f32.const 0))))
              (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
              (br $lj)))))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $w) (i32.const 2))))
        (local.set $ps (i32.add (local.get $ps) (local.get $ls)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lr)))
      (local.set $c (i32.add (local.get $c) (local.get $w)))
      (br $lc))))

;; dst = srcᵀ in 8-column panels, src [rows, cols] ($ld floats apart): panel t holds src rows
  ;; 8t … 8t + 7 as columns, [⌈rows/8⌉][cols][8], zero-padded. A GEMM's packed b = Wᵀ without a
  ;; transposed copy of W. Whole 8 × 4 blocks are transposed in registers (two 4 × 4 shuffles);
  ;; ragged edges go element by element.
  (func (export "packPanelsT") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $ld i32)
    (local $t i32) (local $k i32) (local $jj i32) (local $ls i32) (local $p i32) (local $q i32) (local $base i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local.set $ls (i32.shl (local.get $ld) (i32.const 2)))
    (block $et (loop $lt
      (br_if $et (i32.ge_u (local.get $t) (local.get $rows)))
      ;; this panel's first byte: t/8 panels of cols · 8 floats before it
      (local.set $base (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $t) (local.get $cols)) (i32.const 2))))
      (local.set $k (i32.const 0))
      (block $ek (loop $lk
        (br_if $ek (i32.ge_u (local.get $k) (local.get $cols)))
        (if (i32.and
              (i32.le_u (i32.add (local.get $t) (i32.const 8)) (local.get $rows))
              (i32.le_u (i32.add (local.get $k) (i32.const 4)) (local.get $cols)))
          (then
            (local.set $p (i32.add (local.get $src) (i32.add (i32.mul (local.get $t) (local.get $ls)) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $a0 (v128.load (local.get $p)))
            (local.set $a1 (v128.load (i32.add (local.get $p) (local.get $ls))))
            (local.set $a2 (v128.load (i32.add (local.get $p) (i32.shl (local.get $ls) (i32.const 1)))))
            (local.set $a3 (v128.load (i32.add (local.get $p) (i32.mul (local.get $ls) (i32.const 3)))))
            (local.set $p (i32.add (local.get $p) (i32.shl (local.get $ls) (i32.const 2))))
            (local.set $b0 (v128.load (local.get $p)))
            (local.set $b1 (v128.load (i32.add (local.get $p) (local.get $ls))))
            (local.set $b2 (v128.load (i32.add (local.get $p) (i32.shl (local.get $ls) (i32.const 1)))))
            (local.set $b3 (v128.load (i32.add (local.get $p) (i32.mul (local.get $ls) (i32.const 3)))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3)))
            (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b0) (local.get $b1)))
            (local.set $u1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b0) (local.get $b1)))
            (local.set $u2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b2) (local.get $b3)))
            (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b2) (local.get $b3)))
            ;; panel row k + c: rows t … t + 3 of column k + c, then rows t + 4 … t + 7
            (local.set $q (i32.add (local.get $base) (i32.shl (local.get $k) (i32.const 5))))
            (v128.store (local.get $q) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store offset=16 (local.get $q) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u2)))
            (v128.store offset=32 (local.get $q) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store offset=48 (local.get $q) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u2)))
            (v128.store offset=64 (local.get $q) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store offset=80 (local.get $q) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u1) (local.get $u3)))
            (v128.store offset=96 (local.get $q) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (v128.store offset=112 (local.get $q) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u1) (local.get $u3)))
            (local.set $k (i32.add (local.get $k) (i32.const 4))))
          (else
            ;; one panel row (column k of src) element by element
            (local.set $q (i32.add (local.get $base) (i32.shl (local.get $k) (i32.const 5))))
            (local.set $jj (i32.const 0))
            (block $ej (loop $lj
              (br_if $ej (i32.ge_u (local.get $jj) (i32.const 8)))
              (f32.store (i32.add (local.get $q) (i32.shl (local.get $jj) (i32.const 2)))
                (if (result f32) (i32.lt_u (i32.add (local.get $t) (local.get $jj)) (local.get $rows))
                  (then (f32.load (i32.add (local.get $src)
                    (i32.add (i32.mul (i32.add (local.get $t) (local.get $jj)) (local.get $ls)) (i32.shl (local.get $k) (i32.const 2))))))
                  (else (f32.const 0))))
              (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
              (br $lj)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))))
        (br $lk)))
      (local.set $t (i32.add (local.get $t) (i32.const 8)))
      (br $lt))))

  ;; A masked layer's weights relabelled (MADE in its degree order, see kernels/made.ts):
  ;; wp[r, c] = w[rowSrc[r], colSrc[c]] · mask[r, c] for r < inputs, c < outputs, with w [inputs, outputs]
  ;; row-major, wp and mask rows $cols floats apart (the caller zeroes wp's padding), rowSrc/colSrc i32.
  (func (export "gatherMasked") (param $w i32) (param $wp i32) (param $rowSrc i32) (param $colSrc i32) (param $mask i32)
    (param $inputs i32) (param $outputs i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $src i32) (local $dst i32) (local $m i32) (local $os i32) (local $cs i32)
    (local.set $os (i32.shl (local.get $outputs) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $dst (local.get $wp))
    (local.set $m (local.get $mask))
    (block $er (loop $lr
      (br_if $er (i32.ge_u (local.get $r) (local.get $inputs)))
      (local.set $src (i32.add (local.get $w) (i32.mul (i32.load (i32.add (local.get $rowSrc) (i32.shl (local.get $r) (i32.const 2)))) (local.get $os))))
      (local.set $c (i32.const 0))
      (block $ec (loop $lc
        (br_if $ec (i32.ge_u (local.get $c) (local.get $outputs)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2)))
          (f32.mul
            (f32.load (i32.add (local.get $src) (i32.shl (i32.load (i32.add (local.get $colSrc) (i32.shl (local.get $c) (i32.const 2)))) (i32.const 2))))
            (f32.load (i32.add (local.get $m) (i32.shl (local.get $c) (i32.const 2))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $lc)))
      (local.set $dst (i32.add (local.get $dst) (local.get $cs)))
      (local.set $m (i32.add (local.get $m) (local.get $cs)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $lr))))

  ;; The inverse relabelling of a gradient: dw[rowSrc[r], colSrc[c]] = g[r, c] · mask[r, c] (every
  ;; stored entry written once; g and mask rows $cols floats apart).
  (func (export "scatterMasked") (param $g i32) (param $dw i32) (param $rowSrc i32) (param $colSrc i32) (param $mask i32)
    (param $inputs i32) (param $outputs i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $src i32) (local $dst i32) (local $m i32) (local $os i32) (local $cs i32)
    (local.set $os (i32.shl (local.get $outputs) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $src (local.get $g))
    (local.set $m (local.get $mask))
    (block $er (loop $lr
      (br_if $er (i32.ge_u (local.get $r) (local.get $inputs)))
      (local.set $dst (i32.add (local.get $dw) (i32.mul (i32.load (i32.add (local.get $rowSrc) (i32.shl (local.get $r) (i32.const 2)))) (local.get $os))))
      (local.set $c (i32.const 0))
      (block $ec (loop $lc
        (br_if $ec (i32.ge_u (local.get $c) (local.get $outputs)))
        (f32.store (i32.add (local.get $dst) (i32.shl (i32.load (i32.add (local.get $colSrc) (i32.shl (local.get $c) (i32.const 2)))) (i32.const 2)))
          (f32.mul
            (f32.load (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))
            (f32.load (i32.add (local.get $m) (i32.shl (local.get $c) (i32.const 2))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $lc)))
      (local.set $src (i32.add (local.get $src) (local.get $cs)))
      (local.set $m (i32.add (local.get $m) (local.get $cs)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $lr))))

;; c [M, N] = act(x · w + bias) for a ONE-column a (x [M, 1], w [1, N], N a multiple of 8; bias [N]
  ;; or pointer 0): a dense layer's forward from one input (a 2-D coupling's conditioner). Per element
  ;; gemmNN's arithmetic with K = 1 (start at the bias, one accumulation, then the activation), row by
  ;; row: about 1.25× faster than gemmNN's 4 × 8 tiles, whose setup dominates when K is 1.
  (func (export "denseIn1") (param $a i32) (param $b i32) (param $bias i32) (param $c i32) (param $M i32) (param $N i32) (param $relu i32)
    (local $end i32) (local $j i32) (local $no i32)
    (local $a0 v128) (local $b0 v128) (local $b1 v128) (local $c00 v128) (local $c01 v128)
    (local.set $no (i32.shl (local.get $N) (i32.const 2)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $M) (i32.const 2))))
    (block $er (loop $lr
      (br_if $er (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $a0 (v128.load32_splat (local.get $a)))
      (local.set $j (i32.const 0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_u (local.get $j) (local.get $no)))
        (if (local.get $bias)
          (then
            (local.set $c00 (v128.load (i32.add (local.get $bias) (local.get $j))))
            (local.set $c01 (v128.load offset=16 (i32.add (local.get $bias) (local.get $j)))))
          (else
            (local.set $c00 (v128.const i32x4 0 0 0 0))
            (local.set $c01 (v128.const i32x4 0 0 0 0))))
        (local.set $b0 (v128.load (i32.add (local.get $b) (local.get $j))))
        (local.set $b1 (v128.load offset=16 (i32.add (local.get $b) (local.get $j))))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a0) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a0) (local.get $b1))))
        (if (local.get $relu) (then
          (local.set $c00 (f32x4.max (local.get $c00) (v128.const i32x4 0 0 0 0)))
          (local.set $c01 (f32x4.max (local.get $c01) (v128.const i32x4 0 0 0 0)))))
        (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $c00))
        (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (local.get $c01))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $lj)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $c (i32.add (local.get $c) (local.get $no)))
      (br $lr))))

  ;; The first n (1 … 7) lanes of the 8-lane row (v0, v1) to p: a ragged tile's stores.
  (func $storePartial (param $p i32) (param $v0 v128) (param $v1 v128) (param $n i32)
    (if (i32.ge_u (local.get $n) (i32.const 4))
      (then
        (v128.store (local.get $p) (local.get $v0))
        (local.set $v0 (local.get $v1))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 4)))))
    (if (i32.gt_u (local.get $n) (i32.const 0)) (then (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v0)))))
    (if (i32.gt_u (local.get $n) (i32.const 1)) (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v0)))))
    (if (i32.gt_u (local.get $n) (i32.const 2)) (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v0))))))

  ;; dst [rows, ldd] = src [rows, n] followed by ldd − n zero columns (a ragged operand padded for
  ;; the GEMMs' 8-wide tiles).
  (func (export "padColumns") (param $src i32) (param $dst i32) (param $rows i32) (param $n i32) (param $ldd i32)
    (local $r i32) (local $j i32)
    (block $er (loop $lr
      (br_if $er (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_u (local.get $j) (local.get $ldd)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (if (result f32) (i32.lt_u (local.get $j) (local.get $n))
            (then (f32.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2)))))
            (else (f32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (local.set $src (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $ldd) (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $lr))))

  ;; dst = elu(src) on n floats (n a multiple of 4; dst may be src): x above 0, e^x − 1 below, with
  ;; e^x − 1 = 2^k (p(r) r² + r) + (2^k − 1), x = k ln 2 + r, |r| ≤ ln 2 / 2 (Cephes' expf polynomial;
  ;; within a float32 ulp or two of expm1, exact in sign and near 0), x clamped at −87 (e^x → 0). k is
  ;; rounded by adding 1.5 · 2^23, whose float bits then hold k in their low bits. The clamp uses
  ;; pmin/pmax (one instruction each; min/max's NaN rules cost a sequence: the loop ran twice as slow).
  (func (export "elu") (param $src i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $x v128) (local $z v128) (local $t v128) (local $k v128) (local $r v128) (local $p v128) (local $s v128)
    (local $zero v128) (local $lo v128) (local $log2e v128) (local $magic v128) (local $ln2hi v128) (local $ln2lo v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $one v128) (local $bias v128)
    (local.set $zero (v128.const f32x4 0 0 0 0))
    (local.set $lo (v128.const f32x4 -87 -87 -87 -87))
    (local.set $log2e (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $ln2hi (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))
    (local.set $ln2lo (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))
    (local.set $c0 (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $c1 (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
    (local.set $c2 (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
    (local.set $c3 (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
    (local.set $c4 (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
    (local.set $c5 (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
    (local.set $one (v128.const f32x4 1 1 1 1))
    ;; float bits of 1.5 · 2^23 (0x4B400000) minus the exponent bias 127: (bits(t) − this) << 23 = 2^k
    (local.set $bias (v128.const i32x4 0x4B3FFF81 0x4B3FFF81 0x4B3FFF81 0x4B3FFF81))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $x (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $z (f32x4.pmax (f32x4.pmin (local.get $x) (local.get $zero)) (local.get $lo)))
      (local.set $t (f32x4.add (f32x4.mul (local.get $z) (local.get $log2e)) (local.get $magic)))
      (local.set $k (f32x4.sub (local.get $t) (local.get $magic)))
      (local.set $r (f32x4.sub (f32x4.sub (local.get $z) (f32x4.mul (local.get $k) (local.get $ln2hi))) (f32x4.mul (local.get $k) (local.get $ln2lo))))
      (local.set $p (f32x4.add (f32x4.mul (local.get $c0) (local.get $r)) (local.get $c1)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c2)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c4)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $c5)))
      ;; p ← p r² + r, s ← 2^k (k ≥ −126: a normal float)
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)))
      (local.set $s (i32x4.shl (i32x4.sub (local.get $t) (local.get $bias)) (i32.const 23)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $s)) (f32x4.sub (local.get $s) (local.get $one))))
      (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
        (v128.bitselect (local.get $x) (local.get $p) (f32x4.gt (local.get $x) (local.get $zero))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next))))
)
