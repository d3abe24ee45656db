// AudioWorklet: microphone samples (float32, at the AudioContext rate) -> PCM16LE mono 16 kHz blocks of ~100 ms.
class PcmSender extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / 16000; // input samples per output sample (1 when the context runs at 16 kHz)
    this.pos = 0;
    this.out = new Int16Array(1600);
    this.n = 0;
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (; this.pos < channel.length; this.pos += this.step) {
      const s = Math.max(-1, Math.min(1, channel[Math.floor(this.pos)]));
      this.out[this.n++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.n === this.out.length) {
        this.port.postMessage(this.out.buffer, [this.out.buffer]);
        this.out = new Int16Array(1600);
        this.n = 0;
      }
    }
    this.pos -= channel.length;
    return true;
  }
}
registerProcessor("pcm-sender", PcmSender);
