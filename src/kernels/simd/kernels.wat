;; Hand-written WebAssembly SIMD kernels for the tape-free training step on the wasm backend.
;; They import TF.js's own wasm memory, so they read and write tensors in place (pointers are the
;; tensors' byte offsets on that heap). Built into kernels-wasm.ts by scripts/build-simd.mjs
;; (needs wabt's wat2wasm); the built bytes are committed, so installs need no wabt.
(module
  (import "env" "memory" (memory 0))

  ;; Dense backward over dy [B, n] (n a multiple of 4): g = dy (linear) or dy where saved > 0 (relu);
  ;; writes dPre = g [B, n], dPreT = gᵀ [n, B] and dBias = Σ_rows g [n] (float32 sums, row order).
  (func (export "denseGrad")
    (param $dy i32) (param $s i32) (param $dp i32) (param $dpt i32) (param $db i32)
    (param $B i32) (param $n i32) (param $relu i32)
    (local $r i32) (local $j i32) (local $off i32) (local $g v128) (local $t i32) (local $bs i32)
    (local.set $j (i32.const 0))
    (block $z (loop $zl
      (br_if $z (i32.ge_u (local.get $j) (local.get $n)))
      (v128.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2))) (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $zl)))
    (local.set $bs (i32.shl (local.get $B) (i32.const 2)))
    (local.set $off (i32.const 0))
    (local.set $r (i32.const 0))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $r) (local.get $B)))
      (local.set $j (i32.const 0))
      (block $rd (loop $cols
        (br_if $rd (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $off))))
        (if (local.get $relu) (then
          (local.set $g (v128.and (local.get $g)
            (f32x4.gt (v128.load (i32.add (local.get $s) (local.get $off))) (v128.const f32x4 0 0 0 0))))))
        (v128.store (i32.add (local.get $dp) (local.get $off)) (local.get $g))
        (local.set $t (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (local.get $g)))
        ;; element (r, j + l) goes to dPreT[(j + l) · B + r]
        (local.set $t (i32.add (local.get $dpt)
          (i32.shl (i32.add (i32.mul (local.get $j) (local.get $B)) (local.get $r)) (i32.const 2))))
        (f32.store (local.get $t) (f32x4.extract_lane 0 (local.get $g)))
        (f32.store (i32.add (local.get $t) (local.get $bs)) (f32x4.extract_lane 1 (local.get $g)))
        (f32.store (i32.add (local.get $t) (i32.shl (local.get $bs) (i32.const 1))) (f32x4.extract_lane 2 (local.get $g)))
        (f32.store (i32.add (local.get $t) (i32.mul (local.get $bs) (i32.const 3))) (f32x4.extract_lane 3 (local.get $g)))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $cols)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
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
)
