//! Decompression bombs written directly as deflate codes, for the test binaries
//! that load them: compressing that much data takes long in a debug build.

/// Deflate bits, least significant bit first (RFC 1951 §3.1.1).
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.count;
        self.count += count;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    /// A Huffman code, which is packed starting with its most significant bit.
    fn code(&mut self, code: u64, length: u32) {
        let reversed = (0..length).fold(0, |r, i| r | ((code >> i) & 1) << (length - 1 - i));
        self.put(reversed, length);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A raw deflate stream that inflates to `size` zero bytes, written directly in
/// one fixed-Huffman block (a zero, then copies of 258 bytes at distance 1: 13 bits
/// each) instead of compressing that much data, which takes long in a debug build.
pub fn deflate_zeros(size: u64) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE 01: fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    let mut left = size - 1;
    while left >= 258 {
        bits.code(0b1100_0101, 8); // length code 285: 258 bytes
        bits.code(0, 5); // distance code 0: distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block
    bits.finish()
}

/// A gzip bomb: a few hundred KiB that inflate to `size` zero bytes. The CRC is
/// left zero; a reader that honours its limit stops long before it is checked.
pub fn gzip_bomb(size: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(deflate_zeros(size));
    out.extend(0u32.to_le_bytes());
    out.extend((size as u32).to_le_bytes());
    out
}
