//! `veriface`: the native command line. One file per subcommand; this one only parses the
//! arguments and dispatches. A thin shell over the library: it reads files, hands bytes to
//! [`veriface::Verifier`] and prints what comes back. Exit codes: 0 success, 1 a pipeline error
//! (printed with its code) or a negative verdict, 2 usage.

mod challenge;
mod compare;
mod context;
mod dataset;
mod detect;
mod draw;
mod eval_actions;
mod eval_cfp;
mod eval_eyes;
mod eval_fuse;
mod eval_lfw;
mod eval_liveness;
mod eval_prints;
mod frame;
mod handle;
mod liveness;
mod output;
mod serve;
mod verify_evidence;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::context::Context;

#[derive(Parser)]
#[command(
    name = "veriface",
    version,
    about = "Face verification: compare, detect, liveness, evaluate"
)]
struct Cli {
    /// Folder holding the ONNX files named in models/manifest.json.
    #[arg(long, global = true, env = "VERIFACE_MODELS")]
    models: Option<PathBuf>,
    /// A manifest JSON to use instead of the built-in models/manifest.json.
    #[arg(long, global = true)]
    manifest: Option<PathBuf>,
    /// Embedder or fusion id from the manifest (default: its `default`, the fp16 fusion).
    #[arg(long = "model", global = true)]
    model: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Do two images show the same person?
    Compare(compare::Args),
    /// Answer a vendor's request body as the vendor would: prints { status, body }.
    Handle(handle::Args),
    /// Serve the vendor endpoints, verify-evidence, health and metrics over HTTP (and the demo
    /// page): a self-hosted service to put behind a load balancer.
    Serve(serve::Args),
    /// Recompute a veriface-format compare result from the same two files: confirmed or not.
    VerifyEvidence(verify_evidence::Args),
    /// The single-frame liveness checks (face found, alone, size, distance, border, cropping,
    /// head angle, occlusion, eyes open, passive anti-spoofing), each with value, threshold and
    /// verdict.
    Frame(frame::Args),
    /// Liveness from 2 to 5 frames captured within --max-span-ms, with the ID match given --id
    /// (every check and the decision rule: docs/liveness.md).
    Liveness(liveness::Args),
    /// List the faces in an image.
    Detect(detect::Args),
    /// Active liveness: issue a challenge, judge a capture of it.
    #[command(subcommand)]
    Challenge(challenge::Args),
    /// Measure accuracy on a data set.
    Eval {
        #[command(subcommand)]
        which: EvalCommand,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// The standard LFW verification protocol over DIR/pairs.txt and DIR/images.
    Lfw(eval_lfw::Args),
    /// CFP frontal-frontal or frontal-profile verification (LFW's protocol over the splits).
    Cfp(eval_cfp::Args),
    /// What a fusion of embedders would score: the figures of their summed log-odds, from the
    /// `--scores` files of `eval lfw` or `eval cfp` runs over the same pairs.
    Fuse(eval_fuse::Args),
    /// Liveness over labelled data: APCER per attack type, BPCER, ACER (ISO/IEC 30107-3).
    Liveness(eval_liveness::Args),
    /// EYES_CLOSED over faces labelled closed and live.
    Eyes(eval_eyes::Args),
    /// The challenge's blink and turn detectors against labelled video, and its 3D evidence.
    Actions(eval_actions::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = Context::new(cli.models, cli.manifest.as_deref(), cli.model).and_then(|ctx| {
        match cli.command {
            Command::Compare(args) => compare::run(&ctx, args),
            Command::Handle(args) => handle::run(&ctx, args),
            Command::VerifyEvidence(args) => verify_evidence::run(&ctx, args),
            Command::Serve(args) => serve::run(&ctx, args),
            Command::Frame(args) => frame::run(&ctx, args),
            Command::Liveness(args) => liveness::run(&ctx, args),
            Command::Detect(args) => detect::run(&ctx, args),
            Command::Challenge(args) => challenge::run(&ctx, args),
            Command::Eval {
                which: EvalCommand::Lfw(args),
            } => eval_lfw::run(&ctx, &args),
            Command::Eval {
                which: EvalCommand::Cfp(args),
            } => eval_cfp::run(&ctx, &args),
            Command::Eval {
                which: EvalCommand::Fuse(args),
            } => eval_fuse::run(&args),
            Command::Eval {
                which: EvalCommand::Liveness(args),
            } => eval_liveness::run(&ctx, &args),
            Command::Eval {
                which: EvalCommand::Eyes(args),
            } => eval_eyes::run(&ctx, &args),
            Command::Eval {
                which: EvalCommand::Actions(args),
            } => eval_actions::run(&ctx, &args),
        }
    });
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        // A vendor error response, a failed check or an evidence check that failed: printed,
        // not an error here.
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            output::error(&e);
            ExitCode::from(1)
        }
    }
}
